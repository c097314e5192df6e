/// The OpenAPI 3.1 document of the v1 API, served at /openapi.json. Generated from
/// docs/openapi.json (a test checks they are equal).
enum OpenAPIDocument {
    static let text = #"{"openapi": "3.1.0", "info": {"title": "Bulwark", "version": "1.0"}, "paths": {}}"#
}
