import Foundation
import Testing

@testable import NimbusCLI

@Suite("API client")
struct ClientTests {
    func response(_ status: Int, _ body: String, headers: [String: String] = [:]) -> NimbusClient.Response {
        NimbusClient.Response(status: status, headers: headers, body: Data(body.utf8))
    }

    @Test("Lambda errors: X-Amzn-ErrorType and Message")
    func lambdaError() {
        let error = NimbusClient.error(
            response(404, #"{"Type":"User","Message":"Function not found: arn:x"}"#, headers: ["x-amzn-errortype": "ResourceNotFoundException:http://internal.amazon.com/"])
        )
        #expect(error.message == "ResourceNotFoundException: Function not found: arn:x (HTTP 404)")
    }

    @Test("SQS and EventBridge errors: __type and message")
    func jsonProtocolError() {
        let error = NimbusClient.error(response(400, #"{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}"#))
        #expect(error.message == "QueueDoesNotExist: The specified queue does not exist. (HTTP 400)")
    }

    @Test("credential errors say how to fix them")
    func credentialError() {
        let error = NimbusClient.error(
            response(403, #"{"message":"The security token included in the request is invalid."}"#, headers: ["X-Amzn-ErrorType": "UnrecognizedClientException"])
        )
        #expect(error.message.hasPrefix("Nimbus refused the credentials (UnrecognizedClientException: The security token included in the request is invalid.). Set AWS_ACCESS_KEY_ID"))
    }

    @Test("endpoint, keys and region from the environment, flags first")
    func environment() {
        let defaults = NimbusClient.fromEnvironment(endpoint: nil, [:])
        #expect(defaults.endpoint == "http://127.0.0.1:9000")
        #expect(defaults.credentials.accessKeyId == "nimbus" && defaults.credentials.secretAccessKey == "nimbus")
        #expect(defaults.region == "us-east-1")
        let set = NimbusClient.fromEnvironment(
            endpoint: "http://h:1/",
            ["NIMBUS_ENDPOINT": "http://e:2", "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s", "AWS_DEFAULT_REGION": "eu-west-1"]
        )
        #expect(set.endpoint == "http://h:1")
        #expect(set.credentials.accessKeyId == "k" && set.region == "eu-west-1")
        #expect(NimbusClient.fromEnvironment(endpoint: nil, ["NIMBUS_ENDPOINT": "http://e:2"]).endpoint == "http://e:2")
        #expect(NimbusClient.segment("arn:aws:lambda:us-east-1:1:function:f") == "arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Af")
    }

    @Test("a server that does not answer")
    func unreachable() async throws {
        let client = NimbusClient.fromEnvironment(endpoint: "http://127.0.0.1:1", [:])
        await #expect(throws: CLIError("Cannot reach Nimbus at http://127.0.0.1:1. Start it with `nimbus serve`, or pass --endpoint.")) {
            _ = try await client.lambda("GET", "/2015-03-31/functions/")
        }
    }
}
