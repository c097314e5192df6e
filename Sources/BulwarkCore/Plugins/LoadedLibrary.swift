import BulwarkJSON
import CBulwarkPlugin

/// A plugin library the loader opened and checked: its identity and what it provides.
///
/// Holds pointers into the library, which stays loaded for the life of the process.
public final class LoadedLibrary: @unchecked Sendable {
    public let path: String
    public let name: String
    public let version: String
    public let abiMajor: UInt32
    public let abiMinor: UInt32
    public let protectables: [ProtectableEntry]
    public let protections: [ProtectionEntry]
    public let banks: [BankEntry]

    init(path: String, name: String, version: String, abiMajor: UInt32, abiMinor: UInt32,
         protectables: [ProtectableEntry], protections: [ProtectionEntry], banks: [BankEntry]) {
        self.path = path
        self.name = name
        self.version = version
        self.abiMajor = abiMajor
        self.abiMinor = abiMinor
        self.protectables = protectables
        self.protections = protections
        self.banks = banks
    }

    public var abiVersion: String { "\(abiMajor).\(abiMinor)" }
}

/// A protectable plugin in a loaded library.
public final class ProtectableEntry: @unchecked Sendable {
    public let resourceType: String
    public let parentTypes: [String]
    public let configSchema: JSON?
    public let libraryName: String
    public let libraryPath: String
    let table: UnsafePointer<bulwark_protectable>

    init(resourceType: String, parentTypes: [String], configSchema: JSON?, libraryName: String, libraryPath: String,
         table: UnsafePointer<bulwark_protectable>) {
        self.resourceType = resourceType
        self.parentTypes = parentTypes
        self.configSchema = configSchema
        self.libraryName = libraryName
        self.libraryPath = libraryPath
        self.table = table
    }
}

/// The four hooks of one operation that a protection plugin implements.
public struct OperationHooks: Sendable, Equatable {
    public var prepareBegin: Bool
    public var prepareFinish: Bool
    public var main: Bool
    public var complete: Bool

    public static let none = OperationHooks(prepareBegin: false, prepareFinish: false, main: false, complete: false)

    public var names: [String] {
        var n: [String] = []
        if prepareBegin { n.append("on_prepare_begin") }
        if prepareFinish { n.append("on_prepare_finish") }
        if main { n.append("on_main") }
        if complete { n.append("on_complete") }
        return n
    }
}

/// The operations a protection plugin runs.
public enum Operation: String, Sendable, CaseIterable {
    case protect, restore, delete, verify
}

/// A protection plugin in a loaded library.
public final class ProtectionEntry: @unchecked Sendable {
    public let name: String
    public let aliases: [String]
    public let resourceTypes: [String]
    /// resource type (or "*") -> {"options": S, "restore": S, "saved_info": S, "verify": S}
    public let schemas: JSONObject
    public let configSchema: JSON?
    public let operations: [Operation: OperationHooks]
    public let libraryName: String
    public let libraryPath: String
    let table: UnsafePointer<bulwark_protection>

    init(name: String, aliases: [String], resourceTypes: [String], schemas: JSONObject, configSchema: JSON?,
         operations: [Operation: OperationHooks], libraryName: String, libraryPath: String,
         table: UnsafePointer<bulwark_protection>) {
        self.name = name
        self.aliases = aliases
        self.resourceTypes = resourceTypes
        self.schemas = schemas
        self.configSchema = configSchema
        self.operations = operations
        self.libraryName = libraryName
        self.libraryPath = libraryPath
        self.table = table
    }

    public func supports(_ resourceType: String) -> Bool {
        resourceTypes.contains("*") || resourceTypes.contains(resourceType)
    }

    /// The schema of `kind` ("options", "restore", "saved_info", "verify") for a type,
    /// falling back to the "*" entry.
    public func schema(_ kind: String, for resourceType: String) -> JSON? {
        schemas[resourceType]?[kind] ?? schemas["*"]?[kind]
    }
}

/// A bank plugin in a loaded library.
public final class BankEntry: @unchecked Sendable {
    public let name: String
    public let aliases: [String]
    public let configSchema: JSON?
    public let libraryName: String
    public let libraryPath: String
    let table: UnsafePointer<bulwark_bank>

    init(name: String, aliases: [String], configSchema: JSON?, libraryName: String, libraryPath: String,
         table: UnsafePointer<bulwark_bank>) {
        self.name = name
        self.aliases = aliases
        self.configSchema = configSchema
        self.libraryName = libraryName
        self.libraryPath = libraryPath
        self.table = table
    }
}
