import Foundation

/// CreateFunctionUrlConfig and UpdateFunctionUrlConfig bodies.
struct FunctionURLConfigInput: Decodable {
    var authType: String?
    var cors: FunctionURLCors?
    var invokeMode: String?
}

/// A function URL configuration as the API answers; absent members are omitted, as AWS
/// omits them (Create has no LastModifiedTime; Create and Update show InvokeMode only
/// once it was set).
struct FunctionURLConfigOutput: Encodable {
    var functionUrl: String
    var functionArn: String
    var authType: String
    var cors: FunctionURLCors?
    var creationTime: String
    var lastModifiedTime: String?
    var invokeMode: String?
}

struct ListFunctionURLConfigsOutput: Encodable {
    var functionUrlConfigs: [FunctionURLConfigOutput]
    var nextMarker: String?
}
