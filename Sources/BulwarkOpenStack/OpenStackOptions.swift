import BulwarkHTTP
import BulwarkJSON

/// The OpenStack options the shipped plugins share, with their JSON Schema: credentials
/// (`cloud` + `clouds_file`, inline clouds.yaml keys, or the `OS_*` variables) and, for
/// Cinder, `cinder_url` and `cinder_auth`.
public enum OpenStackOptions {
    static let credentialProperties: [(String, JSON)] = [
        ("cloud", ["type": "string", "description": "A cloud of clouds.yaml (OS_CLOUD)."]),
        ("clouds_file", ["type": "string", "description": "The clouds.yaml to read the cloud from."]),
        ("auth", ["type": "object", "description": "Inline clouds.yaml auth: auth_url, username/password or application_credential_id/secret, project_name/project_id, ..."]),
        ("region_name", ["type": "string"]),
        ("interface", ["enum": ["public", "internal", "admin"]]),
        ("cacert", ["type": "string", "description": "CA bundle for Keystone's TLS."]),
        ("verify", ["type": "boolean", "description": "false turns TLS verification off."]),
    ]
    static let cinderProperties: [(String, JSON)] = [
        ("cinder_url", ["type": "string", "description": "The volume API with the project, e.g. http://127.0.0.1:8776/v3/{project_id}; default: the catalog's volumev3 endpoint."]),
        ("cinder_auth", ["enum": ["keystone", "noauth"], "default": "keystone",
                         "description": "noauth: Cinder's development auth strategy (X-Auth-Token user:project), for deployments without Keystone in front of Cinder."]),
        ("noauth_user", ["type": "string", "default": "bulwark"]),
        ("poll_interval", ["type": "number", "exclusiveMinimum": 0, "default": 1, "description": "Seconds between status polls."]),
        ("timeout", ["type": "number", "exclusiveMinimum": 0, "default": 1800, "description": "Seconds to wait for a volume, snapshot or backup."]),
        ("cleanup_timeout", ["type": "number", "exclusiveMinimum": 0, "default": 1800,
                             "description": "After a failed protect, seconds to wait for Cinder to let the snapshot and backup it made be removed."]),
    ]

    /// Schema of the credential options alone.
    public static let schema: JSON = object(credentialProperties)

    /// Schema of credentials plus Cinder's options, with `extra` properties.
    public static func cinderSchema(_ extra: [(String, JSON)] = []) -> JSON {
        object(credentialProperties + cinderProperties + extra)
    }

    static func object(_ properties: [(String, JSON)]) -> JSON {
        ["type": "object", "properties": .object(JSONObject(properties)), "additionalProperties": false]
    }

    public static func session(_ options: JSON) throws -> KeystoneSession {
        KeystoneSession(credentials: try OpenStackCredentials.from(options: options))
    }

    /// A Cinder client for the options: Keystone auth (catalog or `cinder_url`), or noauth
    /// in the project the Keystone credentials are scoped to. Nothing is sent until the
    /// first call.
    public static func cinder(_ options: JSON) throws -> CinderClient {
        let session = try session(options)
        switch options["cinder_auth"]?.stringValue ?? "keystone" {
        case "noauth":
            guard let url = options["cinder_url"]?.stringValue else { throw CinderError("cinder_auth noauth needs cinder_url") }
            return CinderClient(auth: .noauthInScope(user: options["noauth_user"]?.stringValue ?? "bulwark", session: session), endpoint: url)
        default:
            return CinderClient(auth: .keystone(session), endpoint: options["cinder_url"]?.stringValue, tls: session.credentials.tls)
        }
    }
}
