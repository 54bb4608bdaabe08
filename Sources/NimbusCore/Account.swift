/// The account and region this Nimbus instance answers as.
public struct Account: Sendable, Equatable {
    public var id: String
    public var region: String
    public var partition: String

    public init(id: String = "000000000000", region: String = "us-east-1", partition: String = "aws") {
        self.id = id
        self.region = region
        self.partition = partition
    }

    /// `arn:aws:lambda:REGION:ACCOUNT:function:NAME`.
    public func functionArn(_ name: String) -> String {
        "arn:\(partition):lambda:\(region):\(id):function:\(name)"
    }

    /// The qualified ARN, `...:function:NAME:QUALIFIER`.
    public func functionArn(_ name: String, qualifier: String) -> String {
        functionArn(name) + ":" + qualifier
    }

    /// `arn:aws:lambda:REGION:ACCOUNT:layer:NAME`.
    public func layerArn(_ name: String) -> String {
        "arn:\(partition):lambda:\(region):\(id):layer:\(name)"
    }

    /// `arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION`.
    public func layerVersionArn(_ name: String, version: Int) -> String {
        layerArn(name) + ":" + String(version)
    }
}
