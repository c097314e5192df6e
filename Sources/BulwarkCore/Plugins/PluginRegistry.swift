/// The plugins available to a provider: protectables by resource type, protection and
/// bank plugins by name and alias. Built from loaded libraries; a library that conflicts
/// with one already added is refused whole, with an error naming both files.
public struct PluginRegistry: Sendable {
    public private(set) var libraries: [LoadedLibrary] = []
    public private(set) var protectables: [String: ProtectableEntry] = [:]
    public private(set) var protections: [String: ProtectionEntry] = [:]
    public private(set) var banks: [String: BankEntry] = [:]
    /// Libraries that could not be loaded or added, each one line naming the file.
    public private(set) var problems: [PluginLoadError] = []

    public init() {}

    /// Load every library on the search path. Problems are collected, not thrown: one bad
    /// library never hides the good ones.
    public static func discover(_ searchPath: PluginSearchPath, loader: PluginLoader) -> PluginRegistry {
        var registry = PluginRegistry()
        for file in searchPath.libraryFiles() {
            do {
                try registry.add(try loader.load(path: file))
            } catch {
                registry.problems.append(error)
            }
        }
        return registry
    }

    /// Add a library. A library whose name is already present (a copy further down the
    /// search path) is skipped silently: the first one found wins, as with `PATH`.
    public mutating func add(_ library: LoadedLibrary) throws(PluginLoadError) {
        if libraries.contains(where: { $0.name == library.name }) { return }
        func conflict(_ what: String, _ otherPath: String) -> PluginLoadError {
            PluginLoadError(path: library.path, reason: "\(what) is already provided by \(otherPath)")
        }
        for p in library.protectables {
            if let other = protectables[p.resourceType] { throw conflict("resource type \(p.resourceType)", other.libraryPath) }
        }
        for p in library.protections {
            for n in [p.name] + p.aliases {
                if let other = protections[n] { throw conflict("protection plugin name \(n)", other.libraryPath) }
            }
        }
        for b in library.banks {
            for n in [b.name] + b.aliases {
                if let other = banks[n] { throw conflict("bank plugin name \(n)", other.libraryPath) }
            }
        }
        libraries.append(library)
        for p in library.protectables { protectables[p.resourceType] = p }
        for p in library.protections { for n in [p.name] + p.aliases { protections[n] = p } }
        for b in library.banks { for n in [b.name] + b.aliases { banks[n] = b } }
    }

    /// Load a library and add it; both kinds of problem are thrown.
    public mutating func load(_ path: String, loader: PluginLoader) throws(PluginLoadError) {
        try add(try loader.load(path: path))
    }
}
