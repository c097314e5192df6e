import NIOPosix

/// Run a blocking call (SQLite, a bank or plugin call, libcurl) on NIO's pool of
/// blocking threads, never on an event loop or the Swift concurrency pool.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await NIOThreadPool.singleton.runIfActive(body)
}
