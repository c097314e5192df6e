import BulwarkJSON
@testable import BulwarkKubernetes
import Foundation
import Testing
import TestSupport

@Suite struct KubeConfigTests {
    let directory: URL

    init() throws {
        directory = try TestSupport.temporaryDirectory("kubeconfig")
        let config = """
            apiVersion: v1
            kind: Config
            current-context: dev
            clusters:
              - name: dev
                cluster: {server: "https://127.0.0.1:6443/", certificate-authority: certs/ca.crt}
              - name: prod
                cluster: {server: "https://10.0.0.1", certificate-authority-data: \(Data("-----BEGIN CERTIFICATE-----\\nX\\n".utf8).base64EncodedString())}
              - name: lab
                cluster: {server: "https://127.0.0.2", insecure-skip-tls-verify: true}
            users:
              - name: token-user
                user: {token: abc123}
              - name: file-user
                user: {tokenFile: tokens/sa}
              - name: cert-user
                user: {client-certificate-data: \(Data("CERT".utf8).base64EncodedString()), client-key-data: \(Data("KEY".utf8).base64EncodedString())}
              - name: exec-user
                user: {exec: {command: aws}}
              - name: half-cert
                user: {client-certificate: c.crt}
            contexts:
              - {name: dev, context: {cluster: dev, user: token-user, namespace: team-a}}
              - {name: prod, context: {cluster: prod, user: cert-user}}
              - {name: lab, context: {cluster: lab, user: file-user}}
              - {name: cloud, context: {cluster: prod, user: exec-user}}
              - {name: broken, context: {cluster: prod, user: half-cert}}
              - {name: nowhere, context: {cluster: missing, user: token-user}}
            """
        try config.write(to: directory.appendingPathComponent("config"), atomically: true, encoding: .utf8)
    }

    var path: String { directory.appendingPathComponent("config").path }

    @Test func currentContextWithTokenAndRelativeCAFile() throws {
        let c = try KubeConfig.load(paths: [path])
        #expect(c.server == "https://127.0.0.1:6443")
        #expect(c.token == "abc123")
        #expect(c.namespace == "team-a")
        #expect(c.tls.caFile == directory.path + "/certs/ca.crt")
        #expect(!c.description.contains("abc123"))
    }

    @Test func namedContextsGiveCertificatesCADataTokenFilesAndInsecure() throws {
        let prod = try KubeConfig.load(paths: [path], context: "prod")
        #expect(prod.tls.caPEM?.hasPrefix("-----BEGIN CERTIFICATE-----") == true)
        #expect(prod.tls.certificatePEM == "CERT")
        #expect(prod.tls.keyPEM == "KEY")
        #expect(prod.token == nil)
        let lab = try KubeConfig.load(paths: [path], context: "lab")
        #expect(lab.tls.insecureSkipVerify)
        #expect(lab.tokenFile == directory.path + "/tokens/sa")
    }

    @Test func badContextsSayWhatIsWrong() {
        func message(_ context: String) -> String {
            do { _ = try KubeConfig.load(paths: [path], context: context); return "" } catch { return error.description }
        }
        #expect(message("cloud").contains("exec or auth-provider plugin"))
        #expect(message("broken").contains("has a client certificate but no client key"))
        #expect(message("nowhere").contains("cluster \"missing\" is not defined"))
        #expect(message("nope").contains("no context \"nope\" (contexts: broken, cloud, dev, lab, nowhere, prod)"))
    }

    /// A kubeconfig that is a FIFO, a device, a directory or missing is a named error at
    /// once, never a read that blocks (`KUBECONFIG=/dev/stdin`) or never ends.
    @Test func kubeconfigsThatAreNotRegularFilesAreNamed() throws {
        let fifo = directory.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let folder = directory.appendingPathComponent("folder").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (file, why) in [(fifo, "it is a FIFO (named pipe), not a regular file"), ("/dev/zero", "it is a device, not a regular file"),
                            (folder, "it is a directory"), (directory.appendingPathComponent("none").path, "no such file")] {
            do {
                _ = try KubeConfig.load(paths: [file])
                Issue.record("\(file) was read")
            } catch {
                #expect(error.description == "kubeconfig \(file): cannot read the file: \(why)")
            }
        }
    }

    @Test func firstFileOfKUBECONFIGWinsAndOptionsPickIt() throws {
        let other = directory.appendingPathComponent("other")
        try "current-context: lab\ncontexts: [{name: dev, context: {cluster: lab, user: file-user}}]\n"
            .write(to: other, atomically: true, encoding: .utf8)
        let c = try KubeConfig.from(options: [:], environment: ["KUBECONFIG": "\(other.path):\(path)"])
        #expect(c.server == "https://127.0.0.2")  // context lab from the second file, current-context from the first
        let d = try KubeConfig.from(options: ["context": "dev"], environment: ["KUBECONFIG": "\(other.path):\(path)"])
        #expect(d.server == "https://127.0.0.2")  // the first file's dev context wins
    }

    @Test func inClusterServiceAccount() throws {
        let sa = directory.appendingPathComponent("sa")
        try FileManager.default.createDirectory(at: sa, withIntermediateDirectories: true)
        try "tok".write(to: sa.appendingPathComponent("token"), atomically: true, encoding: .utf8)
        try "apps\n".write(to: sa.appendingPathComponent("namespace"), atomically: true, encoding: .utf8)
        let c = try KubeConfig.from(options: ["in_cluster": true, "service_account_dir": .string(sa.path)],
                                    environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"])
        #expect(c.server == "https://[fd00::1]:443")
        #expect(c.tokenFile == sa.path + "/token")
        #expect(c.tls.caFile == sa.path + "/ca.crt")
        #expect(c.namespace == "apps")
        #expect(throws: KubeConfig.Invalid.self) { try KubeConfig.inCluster(environment: [:]) }
    }

    @Test func podIDsAreKarborsUUID5() {
        // python3 -c "import uuid; print(uuid.uuid5(uuid.NAMESPACE_OID, 'default:web'))"
        #expect(PodIdentity.id(namespace: "default", pod: "web") == "b0e42f27-1ca0-5b66-ba46-413ac4bb7f3c")
        #expect(PodIdentity.sha1(Array("abc".utf8)).map { String(format: "%02x", $0) }.joined() == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }
}
