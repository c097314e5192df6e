// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// A shipped plugin: a dynamic library built from Plugins/<directory>, loaded by the host
/// through the C ABI like any third party's. -Bsymbolic keeps the plugin bound to its own
/// copy of the SDK even when the host exports symbols of the same names.
func plugin(_ name: String, directory: String, dependencies: [Target.Dependency] = []) -> Target {
    .target(
        name: name,
        dependencies: ["BulwarkPluginKit"] + dependencies,
        path: "Plugins/\(directory)",
        swiftSettings: strict,
        linkerSettings: [.unsafeFlags(["-Xlinker", "-Bsymbolic"])])
}

let package = Package(
    name: "Bulwark",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "bulwark", targets: ["bulwark"]),
        .library(name: "BulwarkPluginKit", targets: ["BulwarkPluginKit"]),
        .library(name: "BulwarkNoop", type: .dynamic, targets: ["BulwarkNoop"]),
        .library(name: "BulwarkSQLiteBank", type: .dynamic, targets: ["BulwarkSQLiteBank"]),
        .library(name: "BulwarkDirectoryBank", type: .dynamic, targets: ["BulwarkDirectoryBank"]),
        .library(name: "BulwarkSimulation", type: .dynamic, targets: ["BulwarkSimulation"]),
        .library(name: "BulwarkDemo", type: .dynamic, targets: ["BulwarkDemo"]),
        .library(name: "BulwarkSwiftBank", type: .dynamic, targets: ["BulwarkSwiftBank"]),
        .library(name: "BulwarkS3Bank", type: .dynamic, targets: ["BulwarkS3Bank"]),
        .library(name: "BulwarkKeystoneProject", type: .dynamic, targets: ["BulwarkKeystoneProject"]),
        .library(name: "BulwarkKubernetesPod", type: .dynamic, targets: ["BulwarkKubernetesPod"]),
        .library(name: "BulwarkPodProtection", type: .dynamic, targets: ["BulwarkPodProtection"]),
        .library(name: "BulwarkCinderVolume", type: .dynamic, targets: ["BulwarkCinderVolume"]),
        .library(name: "BulwarkCinderProtection", type: .dynamic, targets: ["BulwarkCinderProtection"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // C: the plugin ABI and the system libraries.
        .target(name: "CBulwarkPlugin"),
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),

        // Swift modules, bottom up.
        .target(name: "BulwarkJSON", swiftSettings: strict),
        .target(name: "BulwarkFiles", swiftSettings: strict),
        .target(name: "BulwarkS3XML", swiftSettings: strict),
        .target(name: "BulwarkSchema", dependencies: ["BulwarkJSON", "BulwarkFiles"], swiftSettings: strict),
        .target(name: "BulwarkSchedule", swiftSettings: strict),
        .target(name: "BulwarkYAML", dependencies: ["BulwarkJSON", "CYAML"], swiftSettings: strict),
        .target(name: "BulwarkSQLite", dependencies: ["CSQLite"], swiftSettings: strict),
        .target(name: "BulwarkHTTP", dependencies: ["CCurl", "BulwarkJSON"], swiftSettings: strict),
        .target(name: "BulwarkSigV4", swiftSettings: strict),
        .target(name: "BulwarkOpenStack", dependencies: ["BulwarkHTTP", "BulwarkJSON", "BulwarkYAML", "BulwarkFiles"], swiftSettings: strict),
        .target(name: "BulwarkKubernetes", dependencies: ["BulwarkHTTP", "BulwarkJSON", "BulwarkYAML", "BulwarkFiles"], swiftSettings: strict),
        .target(name: "BulwarkPluginKit", dependencies: ["CBulwarkPlugin", "BulwarkJSON"], swiftSettings: strict),
        .target(name: "BulwarkCore", dependencies: ["CBulwarkPlugin", "BulwarkJSON", "BulwarkFiles", "BulwarkSchema", "BulwarkYAML", "BulwarkSQLite",
                                                   .product(name: "Metrics", package: "swift-metrics")],
                swiftSettings: strict),
        // The service: Karbor's v1 API over the engine and the catalog.
        .target(name: "BulwarkService",
                dependencies: ["BulwarkCore", "BulwarkJSON", "BulwarkSchema", "BulwarkSchedule", "BulwarkYAML", "BulwarkHTTP", "BulwarkOpenStack",
                               .product(name: "Hummingbird", package: "hummingbird"),
                               .product(name: "HummingbirdTLS", package: "hummingbird"),
                               .product(name: "HummingbirdCore", package: "hummingbird"),
                               .product(name: "Logging", package: "swift-log"),
                               .product(name: "Metrics", package: "swift-metrics"),
                               .product(name: "Prometheus", package: "swift-prometheus"),
                               .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "NIOPosix", package: "swift-nio"),
                               .product(name: "HTTPTypes", package: "swift-http-types"),
                               .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
                swiftSettings: strict),
        .executableTarget(
            name: "bulwark",
            dependencies: ["BulwarkCore", "BulwarkSchema", "BulwarkSchedule", "BulwarkService", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),

        // Benchmarks (executables that print figures; see docs/benchmarks.md).
        .executableTarget(name: "bulwark-bench", dependencies: ["BulwarkCore", "BulwarkJSON"], path: "Benchmarks/EngineBench",
                          swiftSettings: strict),
        .executableTarget(name: "bulwark-bank-bench", dependencies: ["BulwarkCore", "BulwarkJSON"], path: "Benchmarks/BankBench",
                          swiftSettings: strict),
        .executableTarget(name: "bulwark-schema-bench", dependencies: ["BulwarkSchema"], path: "Benchmarks/SchemaBench",
                          swiftSettings: strict),
        .executableTarget(name: "bulwark-json-bench", dependencies: ["BulwarkJSON"], path: "Benchmarks/JSONBench",
                          swiftSettings: strict),

        // Fuzz targets (scripts/fuzz.sh builds them with libFuzzer; a plain build replays files).
        .executableTarget(name: "bulwark-fuzz",
                          dependencies: ["BulwarkJSON", "BulwarkYAML", "BulwarkSchema", "BulwarkCore", "BulwarkKubernetes",
                                         "BulwarkOpenStack", "BulwarkService", "BulwarkS3XML"],
                          path: "Fuzz/Targets", swiftSettings: strict),

        // Shipped plugins.
        plugin("BulwarkNoop", directory: "Noop"),
        plugin("BulwarkSQLiteBank", directory: "SQLiteBank", dependencies: ["BulwarkSQLite"]),
        plugin("BulwarkDirectoryBank", directory: "DirectoryBank"),
        plugin("BulwarkSimulation", directory: "Simulation"),
        plugin("BulwarkDemo", directory: "Demo"),
        plugin("BulwarkSwiftBank", directory: "SwiftBank", dependencies: ["BulwarkHTTP", "BulwarkOpenStack"]),
        plugin("BulwarkS3Bank", directory: "S3Bank", dependencies: ["BulwarkHTTP", "BulwarkSigV4", "BulwarkS3XML"]),
        plugin("BulwarkKeystoneProject", directory: "KeystoneProject", dependencies: ["BulwarkHTTP", "BulwarkOpenStack"]),
        plugin("BulwarkKubernetesPod", directory: "KubernetesPod", dependencies: ["BulwarkKubernetes"]),
        plugin("BulwarkPodProtection", directory: "KubernetesPodProtection", dependencies: ["BulwarkKubernetes"]),
        plugin("BulwarkCinderVolume", directory: "CinderVolume", dependencies: ["BulwarkOpenStack", "BulwarkKubernetes"]),
        plugin("BulwarkCinderProtection", directory: "CinderVolumeProtection", dependencies: ["BulwarkOpenStack"]),

        // Tests.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        .target(name: "BankConformance", dependencies: ["BulwarkCore", "BulwarkJSON"], path: "Tests/BankConformance",
                swiftSettings: strict),
        .testTarget(name: "BulwarkJSONTests", dependencies: ["BulwarkJSON"], swiftSettings: strict),
        .testTarget(name: "BulwarkYAMLTests", dependencies: ["BulwarkYAML"], swiftSettings: strict),
        .testTarget(name: "BulwarkKubernetesTests", dependencies: ["BulwarkKubernetes", "BulwarkHTTP", "BulwarkJSON", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "BulwarkSigV4Tests", dependencies: ["BulwarkSigV4", "BulwarkJSON", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "BulwarkOpenStackTests", dependencies: ["BulwarkOpenStack", "BulwarkHTTP", "BulwarkJSON", "TestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "BulwarkHTTPTests", dependencies: ["BulwarkHTTP", "BulwarkJSON", "BulwarkSigV4", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "BulwarkSchemaTests", dependencies: ["BulwarkSchema", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "BulwarkScheduleTests", dependencies: ["BulwarkSchedule", "BulwarkJSON", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "BulwarkCoreTests", dependencies: ["BulwarkCore", "TestSupport", "BankConformance"],
                    exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "BulwarkServiceTests", dependencies: ["BulwarkService", "BulwarkJSON", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "BulwarkCLITests", dependencies: ["BulwarkJSON", "BulwarkHTTP", "BulwarkKubernetes", "BulwarkOpenStack", "TestSupport"],
                    swiftSettings: strict),
    ]
)
