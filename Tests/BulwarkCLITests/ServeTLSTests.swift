import Foundation
import Testing
import TestSupport

/// `bulwark serve` over TLS, from a certificate and key of the configuration.
@Suite struct ServeTLSTests {
    @Test func servesHTTPSWithTheConfiguredCertificate() throws {
        let directory = try ServeFixture.demo("serve-tls")
        defer { try? FileManager.default.removeItem(at: directory) }
        let cert = directory.appendingPathComponent("server.crt").path, key = directory.appendingPathComponent("server.key").path
        let made = try TestSupport.run("/usr/bin/env", ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                                                         "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
        #expect(made.status == 0, "\(made.stderr)")
        let server = try ServeProcess(config: """
            listen: {host: 127.0.0.1}
            tls: {certificate: server.crt, key: server.key}
            providers: {directory: providers}
            catalog: {path: catalog.sqlite}
            auth: {mode: noauth}
            """, directory: directory)
        #expect(server.process.stdout.contains("listening on https://127.0.0.1:"))
        let r = try TestSupport.run("/usr/bin/env", ["curl", "-s", "--cacert", cert, "-H", "X-Auth-Token: a:p", "https://127.0.0.1:\(server.port)/v1/p/providers"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"providers\""))
        // Plain HTTP to the TLS port gets nothing usable.
        let plain = try TestSupport.run("/usr/bin/env", ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "10", "http://127.0.0.1:\(server.port)/healthz"])
        #expect(plain.stdout != "200")
        server.stop()
    }

    @Test func aMissingCertificateIsANamedError() throws {
        let directory = try ServeFixture.demo("serve-tls-bad")
        defer { try? FileManager.default.removeItem(at: directory) }
        try """
            tls: {certificate: nowhere.crt, key: nowhere.key}
            providers: {directory: providers}
            catalog: {path: catalog.sqlite}
            auth: {mode: noauth}
            """.write(to: directory.appendingPathComponent("serve.yaml"), atomically: true, encoding: .utf8)
        let r = try TestSupport.run("/bin/sh", ["-c", "cd '\(directory.path)' && exec '\(TestSupport.buildDirectory.path)/bulwark' serve --config serve.yaml --port 0"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("tls: cannot use the certificate nowhere.crt"), "\(r.stderr)")
    }
}
