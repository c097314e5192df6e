import BulwarkCore
import BulwarkJSON

/// How `plugin inspect` and `plugin list` show a library.
enum LibraryDescription {
    static func json(_ library: LoadedLibrary) -> JSON {
        [
            "file": .string(library.path),
            "library": .string(library.name),
            "version": .string(library.version),
            "abi_version": .string(library.abiVersion),
            "protectables": .array(library.protectables.map { p in
                ["resource_type": .string(p.resourceType),
                 "parent_types": .array(p.parentTypes.map { .string($0) }),
                 "config_schema": p.configSchema ?? .null]
            }),
            "protections": .array(library.protections.map { p in
                var operations = JSONObject()
                for op in Operation.allCases {
                    operations[op.rawValue] = .array((p.operations[op] ?? .none).names.map { .string($0) })
                }
                return ["name": .string(p.name),
                        "aliases": .array(p.aliases.map { .string($0) }),
                        "resource_types": .array(p.resourceTypes.map { .string($0) }),
                        "operations": .object(operations),
                        "schemas": .object(p.schemas),
                        "config_schema": p.configSchema ?? .null]
            }),
            "banks": .array(library.banks.map { b in
                ["name": .string(b.name),
                 "aliases": .array(b.aliases.map { .string($0) }),
                 "config_schema": b.configSchema ?? .null]
            }),
        ]
    }

    static func text(_ library: LoadedLibrary) -> String {
        var out = "\(library.name) \(library.version) (plugin ABI \(library.abiVersion))\nfile: \(library.path)\n"
        if !library.protectables.isEmpty {
            out += "\nprotectables:\n"
            for p in library.protectables {
                out += "  \(p.resourceType)\n"
                out += "    parent types: \(p.parentTypes.isEmpty ? "none" : p.parentTypes.joined(separator: ", "))\n"
            }
        }
        if !library.protections.isEmpty {
            out += "\nprotection plugins:\n"
            for p in library.protections {
                out += "  \(p.name)\(p.aliases.isEmpty ? "" : " (aliases: \(p.aliases.joined(separator: ", ")))")\n"
                out += "    resource types: \(p.resourceTypes.joined(separator: ", "))\n"
                for op in Operation.allCases {
                    let hooks = (p.operations[op] ?? .none).names
                    out += "    \(op.rawValue): \(hooks.isEmpty ? "no hooks" : hooks.joined(separator: ", "))\n"
                }
                for (type, kinds) in p.schemas {
                    out += "    schemas for \(type): \((kinds.objectValue?.keys ?? []).joined(separator: ", "))\n"
                }
            }
        }
        if !library.banks.isEmpty {
            out += "\nbank plugins:\n"
            for b in library.banks {
                out += "  \(b.name)\(b.aliases.isEmpty ? "" : " (aliases: \(b.aliases.joined(separator: ", ")))")\n"
            }
        }
        return out
    }
}
