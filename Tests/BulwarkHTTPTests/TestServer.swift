import Foundation
import TestSupport

/// The test HTTP(S) server (Tests/Peers/http_test_server.py), a separate process on
/// 127.0.0.1 that exits when this object goes.
final class TestServer: Sendable {
    let peer: PeerProcess
    let scheme: String
    var port: Int { peer.port }

    init(tls: (certificate: String, key: String)? = nil) throws {
        peer = try PeerProcess(script: "http_test_server.py", arguments: tls.map { ["--tls", $0.certificate, $0.key] } ?? [])
        scheme = tls == nil ? "http" : "https"
    }

    func url(_ path: String, host: String = "127.0.0.1") -> String { "\(scheme)://\(host):\(port)\(path)" }
}

/// A CA and a server certificate for 127.0.0.1, made with openssl for one test run.
struct TestCertificates {
    let directory: URL
    var ca: String { directory.appendingPathComponent("ca.pem").path }
    var certificate: String { directory.appendingPathComponent("server.pem").path }
    var key: String { directory.appendingPathComponent("server.key").path }
    var otherCA: String { directory.appendingPathComponent("other-ca.pem").path }

    init() throws {
        directory = try TestSupport.temporaryDirectory("tls")
        let d = directory.path
        func openssl(_ arguments: String) throws {
            let result = try TestSupport.run("/bin/sh", ["-c", "cd \(d) && openssl \(arguments)"])
            guard result.status == 0 else { throw TestSupportError("openssl \(arguments): \(result.stderr)") }
        }
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: d + "/san.ext", atomically: true, encoding: .utf8)
        try openssl("req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=bulwark-test-ca")
        try openssl("req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem -days 2 -subj /CN=some-other-ca")
        try openssl("req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1")
        try openssl("x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile san.ext")
    }
}
