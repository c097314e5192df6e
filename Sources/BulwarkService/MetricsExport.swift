import Metrics
import Prometheus

/// The service's metrics, in Prometheus's text format at `/metrics`: Hummingbird's
/// request counters and latency histograms by route and status, and Bulwark's own
/// (`bulwark_operations_total` by type and outcome, `bulwark_operations_running`,
/// `bulwark_bank_call_duration` by bank and call). Labels never carry ids, tokens or
/// names a caller chose, only routes' templates and fixed words.
enum MetricsExport {
    static let registry = PrometheusCollectorRegistry()

    /// Once per process, before the providers open (banks create their timers then).
    static func bootstrap() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(5), .seconds(30),
        ]
        MetricsSystem.bootstrap(factory)
    }

    static func text() -> String { registry.emitToString() }
}
