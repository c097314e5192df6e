import BulwarkJSON

/// The Kubernetes options the shipped plugins share, with their JSON Schema.
public enum KubernetesOptions {
    public static let properties: [(String, JSON)] = [
        ("kubeconfig", ["type": "string", "description": "A kubeconfig file; default KUBECONFIG, then ~/.kube/config."]),
        ("context", ["type": "string", "description": "The kubeconfig context; default its current-context."]),
        ("in_cluster", ["type": "boolean", "default": false, "description": "Use the pod's service account instead of a kubeconfig."]),
        ("service_account_dir", ["type": "string", "default": "/var/run/secrets/kubernetes.io/serviceaccount"]),
        ("namespaces", ["type": "array", "items": ["type": "string", "minLength": 1],
                        "description": "The namespaces whose pods are protected; default all."]),
        ("page_size", ["type": "integer", "minimum": 1, "maximum": 10000, "default": 500]),
        ("poll_interval", ["type": "number", "exclusiveMinimum": 0, "default": 1, "description": "Seconds between status polls."]),
        ("timeout", ["type": "number", "exclusiveMinimum": 0, "default": 600, "description": "Seconds to wait for a restored pod to run."]),
    ]

    public static func schema(_ extra: [(String, JSON)] = []) -> JSON {
        ["type": "object", "properties": .object(JSONObject(properties + extra)), "additionalProperties": false]
    }

    public static func client(_ options: JSON) throws -> KubernetesClient {
        KubernetesClient(config: try KubeConfig.from(options: options))
    }
}
