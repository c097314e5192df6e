import Foundation

/// Where plugin libraries are looked for, in order: the provider file's own list, then
/// `BULWARK_PLUGIN_PATH` (colon-separated, like `PATH`), then the directory of the running
/// executable (the build's own output, where `swift build` puts the shipped plugins).
/// Earlier entries win when two hold a library of the same name.
public struct PluginSearchPath: Sendable, Equatable {
    public var entries: [String]

    public static let environmentVariable = "BULWARK_PLUGIN_PATH"

    public init(entries: [String]) {
        self.entries = entries
    }

    public init(providerPaths: [String] = [], environment: [String: String] = ProcessInfo.processInfo.environment,
                buildOutput: String? = PluginSearchPath.executableDirectory) {
        var entries = providerPaths
        if let env = environment[Self.environmentVariable] {
            entries += env.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        }
        if let buildOutput { entries.append(buildOutput) }
        self.entries = entries
    }

    /// The directory holding the running executable.
    public static var executableDirectory: String? {
        guard let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        return (exe as NSString).deletingLastPathComponent
    }

    /// Every candidate library file, in search order, each real file once: an entry that
    /// is a file is taken as it is; a directory contributes its `*.so` files, sorted.
    /// Entries that do not exist are skipped.
    public func libraryFiles() -> [String] {
        var seen: Set<String> = []
        var files: [String] = []
        let fm = FileManager.default
        for entry in entries {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: entry, isDirectory: &isDirectory) else { continue }
            let candidates: [String]
            if isDirectory.boolValue {
                let names = (try? fm.contentsOfDirectory(atPath: entry)) ?? []
                candidates = names.filter { $0.hasSuffix(".so") }.sorted().map { (entry as NSString).appendingPathComponent($0) }
            } else {
                candidates = [entry]
            }
            for file in candidates where seen.insert(realPath(file) ?? file).inserted {
                files.append(file)
            }
        }
        return files
    }
}
