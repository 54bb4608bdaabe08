import Testing

@testable import NimbusQueues

/// Expected digests come from an independent Python implementation of SQS's algorithm
/// (sorted names; length-prefixed name, type and value; transport byte 1 or 2).
@Suite struct MessageDigestTests {
    @Test func bodyDigestIsTheMD5OfTheUTF8Bytes() {
        #expect(MessageDigest.md5(ofBody: "hello") == "5d41402abc4b2a76b9719d911017c592")
    }

    @Test func oneStringAttribute() {
        let digest = MessageDigest.md5(ofAttributes: ["City": MessageAttributeValue(dataType: "String", stringValue: "Any City")])
        #expect(digest == "0c32cb5c844c01fbd5b6b434b52cf670")
    }

    @Test func mixedTypesAreSortedByName() {
        let digest = MessageDigest.md5(ofAttributes: [
            "Émoji": MessageAttributeValue(dataType: "String.custom", stringValue: "✓"),
            "Count": MessageAttributeValue(dataType: "Number", stringValue: "42"),
            "City": MessageAttributeValue(dataType: "String", stringValue: "Any City"),
            "Blob": MessageAttributeValue(dataType: "Binary", binaryValue: [1, 2, 3]),
        ])
        #expect(digest == "b9c17463ddba00bd054a6f67086f7634")
    }

    @Test func noAttributesHaveNoDigest() {
        #expect(MessageDigest.md5(ofAttributes: [:]) == nil)
    }
}
