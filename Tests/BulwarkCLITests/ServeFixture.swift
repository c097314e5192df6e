import Foundation
import TestSupport

/// A directory for a `bulwark serve` of the demo provider: providers/demo.yaml (its
/// folder `files`, relative to the directory, which is the server's working directory)
/// and files/a.txt.
enum ServeFixture {
    static func demo(_ label: String, leaseTTL: Int = 30, extraFiles: [String: String] = [:]) throws -> URL {
        let directory = try TestSupport.temporaryDirectory(label)
        let fm = FileManager.default
        try fm.createDirectory(at: directory.appendingPathComponent("providers"), withIntermediateDirectories: true)
        try fm.createDirectory(at: directory.appendingPathComponent("files"), withIntermediateDirectories: true)
        for (name, text) in ["a.txt": "hello\n"].merging(extraFiles, uniquingKeysWith: { $1 }) {
            try text.write(to: directory.appendingPathComponent("files/\(name)"), atomically: true, encoding: .utf8)
        }
        try """
            id: demo
            name: Demo
            description: files into SQLite
            lease_ttl: \(leaseTTL)
            protectables:
              Demo::Folder: {roots: [files]}
              Demo::File: {}
            plugins: [bulwark-demo-protection]
            bank: {plugin: sqlite, options: {path: bank.sqlite}}
            """.write(to: directory.appendingPathComponent("providers/demo.yaml"), atomically: true, encoding: .utf8)
        return directory
    }
}
