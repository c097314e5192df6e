import BulwarkFiles
import BulwarkHTTP
import BulwarkJSON
import BulwarkYAML
import Foundation

/// Where and how to reach a Kubernetes API server, as kubectl finds it: a kubeconfig
/// (file, context, token or token file, client certificate and key, CA data,
/// insecure-skip-tls-verify) or the in-cluster service account.
public struct KubeConfig: Sendable, CustomStringConvertible {
    /// The API server's base URL, e.g. `https://127.0.0.1:6443`.
    public var server: String
    public var tls: TLSOptions
    /// A fixed bearer token.
    public var token: String?
    /// A file holding the bearer token, read again when the server answers 401 (service
    /// account tokens are rotated in place).
    public var tokenFile: String?
    /// The context's namespace (or the service account's), if any.
    public var namespace: String?
    /// Where this came from, for messages: `kubeconfig /path context sim`.
    public var origin: String

    public init(server: String, tls: TLSOptions = TLSOptions(), token: String? = nil, tokenFile: String? = nil,
                namespace: String? = nil, origin: String) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.tls = tls
        self.token = token
        self.tokenFile = tokenFile
        self.namespace = namespace
        self.origin = origin
    }

    /// Never shows the token or keys.
    public var description: String { "\(server) (\(origin))" }

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// Load a context from kubeconfig files (the `KUBECONFIG` convention: several paths
    /// separated by `:`, the first definition of a name wins). `context` nil: the files'
    /// `current-context`.
    public static func load(paths: [String], context: String? = nil) throws(Invalid) -> KubeConfig {
        var clusters: [String: JSON] = [:], users: [String: JSON] = [:], contexts: [String: JSON] = [:]
        var current: String?
        var directoryOf: [String: String] = [:]  // name -> directory of the file that defined it
        for path in paths {
            let text: String
            do { text = try RegularFile.text(path) } catch {
                throw Invalid("kubeconfig \(path): cannot read the file: \(error)")
            }
            let json: JSON
            do { json = try YAMLDocument.parse(text).json } catch {
                throw Invalid("kubeconfig \(path): \(error)")
            }
            let directory = (path as NSString).deletingLastPathComponent
            func collect(_ key: String, _ member: String, into table: inout [String: JSON]) {
                for entry in json[key]?.arrayValue ?? [] {
                    guard let name = entry["name"]?.stringValue, table[name] == nil, let value = entry[member] else { continue }
                    table[name] = value
                    directoryOf["\(key)/\(name)"] = directory
                }
            }
            collect("clusters", "cluster", into: &clusters)
            collect("users", "user", into: &users)
            collect("contexts", "context", into: &contexts)
            if current == nil, let c = json["current-context"]?.stringValue, !c.isEmpty { current = c }
        }
        let files = paths.joined(separator: ":")
        guard let contextName = context ?? current else {
            throw Invalid("kubeconfig \(files): no context given and no current-context set")
        }
        guard let ctx = contexts[contextName] else {
            throw Invalid("kubeconfig \(files): no context \"\(contextName)\" (contexts: \(contexts.keys.sorted().joined(separator: ", ")))")
        }
        let origin = "kubeconfig \(files) context \(contextName)"
        guard let clusterName = ctx["cluster"]?.stringValue, let cluster = clusters[clusterName] else {
            throw Invalid("\(origin): the context's cluster \"\(ctx["cluster"]?.stringValue ?? "")\" is not defined")
        }
        guard let server = cluster["server"]?.stringValue, !server.isEmpty else {
            throw Invalid("\(origin): cluster \(clusterName) has no server")
        }
        let clusterDir = directoryOf["clusters/\(clusterName)"] ?? "."
        func resolve(_ path: String, _ dir: String) -> String { path.hasPrefix("/") ? path : dir + "/" + path }
        func decoded(_ base64: String, _ what: String) throws(Invalid) -> String {
            guard let data = Data(base64Encoded: base64.filter { !$0.isWhitespace }) else {
                throw Invalid("\(origin): \(what) is not valid base64")
            }
            return String(decoding: data, as: UTF8.self)
        }
        var tls = TLSOptions()
        if let data = cluster["certificate-authority-data"]?.stringValue {
            tls.caPEM = try decoded(data, "certificate-authority-data of cluster \(clusterName)")
        } else if let file = cluster["certificate-authority"]?.stringValue {
            tls.caFile = resolve(file, clusterDir)
        }
        tls.insecureSkipVerify = cluster["insecure-skip-tls-verify"]?.boolValue ?? false

        var config = KubeConfig(server: server, tls: tls, namespace: ctx["namespace"]?.stringValue, origin: origin)
        if let userName = ctx["user"]?.stringValue, !userName.isEmpty {
            guard let user = users[userName] else { throw Invalid("\(origin): the context's user \"\(userName)\" is not defined") }
            let userDir = directoryOf["users/\(userName)"] ?? "."
            if user["exec"] != nil || user["auth-provider"] != nil {
                throw Invalid("\(origin): user \(userName) uses an exec or auth-provider plugin, which Bulwark does not run; give a token, tokenFile or client certificate")
            }
            config.token = user["token"]?.stringValue
            config.tokenFile = user["tokenFile"]?.stringValue.map { resolve($0, userDir) }
            if let data = user["client-certificate-data"]?.stringValue {
                config.tls.certificatePEM = try decoded(data, "client-certificate-data of user \(userName)")
            } else if let file = user["client-certificate"]?.stringValue {
                config.tls.certificateFile = resolve(file, userDir)
            }
            if let data = user["client-key-data"]?.stringValue {
                config.tls.keyPEM = try decoded(data, "client-key-data of user \(userName)")
            } else if let file = user["client-key"]?.stringValue {
                config.tls.keyFile = resolve(file, userDir)
            }
            if (config.tls.certificatePEM ?? config.tls.certificateFile) != nil, (config.tls.keyPEM ?? config.tls.keyFile) == nil {
                throw Invalid("\(origin): user \(userName) has a client certificate but no client key")
            }
        }
        return config
    }

    /// The in-cluster service account, as client-go finds it: `KUBERNETES_SERVICE_HOST`
    /// and `_PORT`, and the token, CA and namespace under `directory`.
    public static func inCluster(environment: [String: String] = ProcessInfo.processInfo.environment,
                                 directory: String = "/var/run/secrets/kubernetes.io/serviceaccount") throws(Invalid) -> KubeConfig {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], let port = environment["KUBERNETES_SERVICE_PORT"], !host.isEmpty else {
            throw Invalid("not running in a Kubernetes cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set")
        }
        let tokenFile = directory + "/token"
        guard FileManager.default.isReadableFile(atPath: tokenFile) else {
            throw Invalid("in-cluster: no service account token at \(tokenFile)")
        }
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let namespace = (try? RegularFile.text(directory + "/namespace", limit: 4096))?.trimmingCharacters(in: .whitespacesAndNewlines)
        return KubeConfig(server: "https://\(hostPart):\(port)", tls: TLSOptions(caFile: directory + "/ca.crt"), tokenFile: tokenFile,
                          namespace: namespace, origin: "in-cluster service account")
    }

    /// As a plugin's options name it: `in_cluster: true`, or `kubeconfig` (a path, else
    /// `KUBECONFIG`, else ~/.kube/config) and `context`.
    public static func from(options: JSON, environment: [String: String] = ProcessInfo.processInfo.environment) throws(Invalid) -> KubeConfig {
        if options["in_cluster"]?.boolValue == true {
            return try inCluster(environment: environment, directory: options["service_account_dir"]?.stringValue ?? "/var/run/secrets/kubernetes.io/serviceaccount")
        }
        let paths: [String]
        if let path = options["kubeconfig"]?.stringValue {
            paths = [path]
        } else if let variable = environment["KUBECONFIG"], !variable.isEmpty {
            paths = variable.split(separator: ":").map(String.init)
        } else {
            paths = [(environment["HOME"] ?? NSHomeDirectory()) + "/.kube/config"]
        }
        return try load(paths: paths, context: options["context"]?.stringValue)
    }
}
