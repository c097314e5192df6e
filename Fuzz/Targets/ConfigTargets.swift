import BulwarkCore
import BulwarkKubernetes
import BulwarkOpenStack

/// Bank keys: normalising never crashes, and a normal key is its own normal form.
@Sendable func fuzzBankKey(_ data: UnsafeRawBufferPointer) {
    guard let input = text(data) else { return }
    if let key = try? BankKey.normalise(input) {
        guard (try? BankKey.normalise(key)) == key else { violated("normalise is not idempotent on \(input.debugDescription)") }
    }
    if let prefix = try? BankKey.normalisePrefix(input) {
        guard (try? BankKey.normalisePrefix(prefix)) == prefix else { violated("normalisePrefix is not idempotent") }
    }
    let halves = input.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
    if halves.count == 2, let joined = try? BankKey.join(halves[0], halves[1]) {
        guard (try? BankKey.normalise(joined)) == joined else { violated("a joined key is not normal") }
    }
}

/// A provider file: loads or is a ConfigError naming the file.
@Sendable func fuzzProviderFile(_ data: UnsafeRawBufferPointer) {
    let path = scratchFile(data, name: "provider.yaml")
    do { _ = try ProviderConfig.read(path) } catch {
        guard error.description.contains(path) else { violated("a provider error that does not name the file: \(error)") }
    }
}

/// A plan file: loads or is a ConfigError naming the file.
@Sendable func fuzzPlanFile(_ data: UnsafeRawBufferPointer) {
    let path = scratchFile(data, name: "plan.yaml")
    do { _ = try Plan.read(path) } catch {
        guard error.description.contains(path) else { violated("a plan error that does not name the file: \(error)") }
    }
}

/// A kubeconfig file: loads or is a named error.
@Sendable func fuzzKubeconfig(_ data: UnsafeRawBufferPointer) {
    let path = scratchFile(data, name: "kubeconfig")
    do { _ = try KubeConfig.load(paths: [path]) } catch {
        guard !error.description.isEmpty else { violated("a kubeconfig error without a message") }
    }
}

/// A clouds.yaml file: loads the cloud named `fuzz` or is a named error.
@Sendable func fuzzCloudsYAML(_ data: UnsafeRawBufferPointer) {
    let path = scratchFile(data, name: "clouds.yaml")
    do { _ = try OpenStackCredentials.fromCloudsYAML(path, cloud: "fuzz") } catch {
        guard !error.description.isEmpty else { violated("a clouds.yaml error without a message") }
    }
}
