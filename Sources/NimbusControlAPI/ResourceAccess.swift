import NimbusAuth
import NimbusCore

/// Who may call what: the server's account owns every function; identities of other
/// accounts may only call what a function's resource-based policy grants them.
///
/// Rules:
/// 1. A caller in the server's account may do everything (as an account's own IAM users
///    with full rights). Why: with the default single identity, behaviour is unchanged.
/// 2. A caller of another account may call Invoke (`lambda:InvokeFunction`), GetFunction
///    (`lambda:GetFunction`) and GetFunctionConfiguration (`lambda:GetFunctionConfiguration`)
///    on a function whose policy, for the qualifier it names, has a statement allowing the
///    action to its principal (see ``FunctionPermission/allows(_:for:partition:)``).
/// 3. Anything else from another account is AccessDeniedException (403), with AWS's wording;
///    it is checked before the function is looked up, so a denied caller cannot learn
///    whether a function exists.
public struct ResourceAccess: Sendable {
    let account: Account
    let identities: IdentityDirectory
    let tags: TagService
    let policies: PolicyService

    public init(account: Account, identities: IdentityDirectory, tags: TagService, policies: PolicyService) {
        self.account = account
        self.identities = identities
        self.tags = tags
        self.policies = policies
    }

    /// Applies the rules to a request signed with `accessKeyId`.
    func authorize(accessKeyId: String, route: LambdaRoute, query: [String: String]) throws(LambdaError) {
        guard let identity = identities.identity(forAccessKey: accessKeyId) else {
            // The verifier only accepts keys of the directory; refuse rather than assume.
            throw LambdaError(.unrecognizedClient, "The security token included in the request is invalid.")
        }
        guard identity.accountId != account.id, let action = Self.action(route) else { return }
        let caller = Caller(accountId: identity.accountId, arn: identity.arn)
        let target = Self.function(route).flatMap { try? FunctionIdentifier.parse($0) }
        let qualifier = target.flatMap { try? $0.resolvedQualifier(query["Qualifier"]) } ?? nil
        if let target, target.accountId ?? account.id == account.id, target.region ?? account.region == account.region,
           ["InvokeFunction", "GetFunction", "GetFunctionConfiguration"].contains(action),
           policies.allows(caller, "lambda:" + action, function: target.name, qualifier: qualifier)
        {
            return
        }
        let resource: String
        let kind: String
        if let raw = Self.function(route) {
            kind = "resource-based"
            if let target {
                resource = qualifier.map { account.functionArn(target.name, qualifier: $0) } ?? account.functionArn(target.name)
            } else {
                resource = raw
            }
        } else {
            kind = "identity-based"
            resource = "*"
        }
        throw LambdaError(
            .accessDenied,
            "User: \(identity.arn) is not authorized to perform: lambda:\(action) on resource: \(resource) because no \(kind) policy allows the lambda:\(action) action"
        )
    }

    /// The function a route acts on, as the client named it.
    static func function(_ route: LambdaRoute) -> String? {
        switch route {
        case .getFunction(let name), .getFunctionConfiguration(let name), .updateFunctionCode(let name),
             .updateFunctionConfiguration(let name), .deleteFunction(let name), .invoke(let name),
             .addPermission(let name), .getPolicy(let name), .removePermission(let name, _),
             .publishVersion(let name), .listVersions(let name), .createAlias(let name), .listAliases(let name),
             .getAlias(let name, _), .updateAlias(let name, _), .deleteAlias(let name, _),
             .putFunctionConcurrency(let name), .getFunctionConcurrency(let name), .deleteFunctionConcurrency(let name),
             .provisionedConcurrency(let name, _), .functionURLConfig(let name, _), .listFunctionURLConfigs(let name),
             .invokeWithResponseStream(let name), .putEventInvokeConfig(let name), .getEventInvokeConfig(let name),
             .updateEventInvokeConfig(let name), .deleteEventInvokeConfig(let name), .listEventInvokeConfigs(let name),
             .invokeAsync(let name):
            return name
        default:
            return nil
        }
    }

    /// The IAM action of a route, nil for routes that are not operations.
    static func action(_ route: LambdaRoute) -> String? {
        switch route {
        case .createFunction: "CreateFunction"
        case .listFunctions: "ListFunctions"
        case .getFunction: "GetFunction"
        case .getFunctionConfiguration: "GetFunctionConfiguration"
        case .updateFunctionCode: "UpdateFunctionCode"
        case .updateFunctionConfiguration: "UpdateFunctionConfiguration"
        case .deleteFunction: "DeleteFunction"
        case .invoke: "InvokeFunction"
        case .getAccountSettings: "GetAccountSettings"
        case .listLayers: "ListLayers"
        case .publishLayerVersion: "PublishLayerVersion"
        case .listLayerVersions: "ListLayerVersions"
        case .getLayerVersion: "GetLayerVersion"
        case .deleteLayerVersion: "DeleteLayerVersion"
        case .addLayerVersionPermission: "AddLayerVersionPermission"
        case .getLayerVersionPolicy: "GetLayerVersionPolicy"
        case .removeLayerVersionPermission: "RemoveLayerVersionPermission"
        case .tagResource: "TagResource"
        case .untagResource: "UntagResource"
        case .listTags: "ListTags"
        case .addPermission: "AddPermission"
        case .getPolicy: "GetPolicy"
        case .removePermission: "RemovePermission"
        case .publishVersion: "PublishVersion"
        case .listVersions: "ListVersionsByFunction"
        case .createAlias: "CreateAlias"
        case .listAliases: "ListAliases"
        case .getAlias: "GetAlias"
        case .updateAlias: "UpdateAlias"
        case .deleteAlias: "DeleteAlias"
        case .putFunctionConcurrency: "PutFunctionConcurrency"
        case .getFunctionConcurrency: "GetFunctionConcurrency"
        case .deleteFunctionConcurrency: "DeleteFunctionConcurrency"
        case .provisionedConcurrency(_, let method):
            switch method {
            case "PUT": "PutProvisionedConcurrencyConfig"
            case "DELETE": "DeleteProvisionedConcurrencyConfig"
            default: "GetProvisionedConcurrencyConfig"
            }
        case .stats: "GetAccountSettings"
        case .metricsSeries: "GetFunction"
        case .functionURLConfig(_, let method):
            switch method {
            case "POST": "CreateFunctionUrlConfig"
            case "PUT": "UpdateFunctionUrlConfig"
            case "DELETE": "DeleteFunctionUrlConfig"
            default: "GetFunctionUrlConfig"
            }
        case .listFunctionURLConfigs: "ListFunctionUrlConfigs"
        case .invokeWithResponseStream, .invokeAsync: "InvokeFunction"
        case .putEventInvokeConfig: "PutFunctionEventInvokeConfig"
        case .getEventInvokeConfig: "GetFunctionEventInvokeConfig"
        case .updateEventInvokeConfig: "UpdateFunctionEventInvokeConfig"
        case .deleteEventInvokeConfig: "DeleteFunctionEventInvokeConfig"
        case .listEventInvokeConfigs: "ListFunctionEventInvokeConfigs"
        case .eventSourceMappings(let method, let uuid):
            switch (method, uuid) {
            case ("POST", nil): "CreateEventSourceMapping"
            case ("GET", nil): "ListEventSourceMappings"
            case ("PUT", _): "UpdateEventSourceMapping"
            case ("DELETE", _): "DeleteEventSourceMapping"
            default: "GetEventSourceMapping"
            }
        case .codeDownload, .unknown: nil
        }
    }
}
