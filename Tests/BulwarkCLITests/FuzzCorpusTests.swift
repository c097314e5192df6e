import Foundation
import Testing
import TestSupport

/// The fuzz targets (Fuzz/Targets) over their committed corpora: every seed, and every
/// input a fuzzing run once found failing and that was fixed, is replayed in each test
/// run by the plain build of `bulwark-fuzz`, so a fixed crash stays fixed.
@Suite struct FuzzCorpusTests {
    static let targets = ["json", "yaml", "schema", "pattern", "bank-key", "provider", "plan", "kubeconfig",
                          "clouds-yaml", "query", "request", "s3-xml"]

    @Test(arguments: targets)
    func everyCorpusInputPasses(_ target: String) throws {
        let folder = TestSupport.packageRoot.appendingPathComponent("Fuzz/corpus/\(target)")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            .map { folder.appendingPathComponent($0).path }
        #expect(!files.isEmpty, "Fuzz/corpus/\(target) holds the target's seeds")
        let result = try TestSupport.run(TestSupport.buildDirectory.appendingPathComponent("bulwark-fuzz").path, [target] + files)
        #expect(result.status == 0, "\(target): \(result.stderr)")
        #expect(result.stdout.contains("\(target): \(files.count) inputs, no failure"))
    }

    /// A wrong target name is refused with the list of targets.
    @Test func anUnknownTargetIsNamed() throws {
        let result = try TestSupport.run(TestSupport.buildDirectory.appendingPathComponent("bulwark-fuzz").path,
                                         ["no-such-target"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("targets: bank-key, clouds-yaml, json"))
    }
}
