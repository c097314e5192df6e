import BulwarkS3XML
import BulwarkJSON
@testable import BulwarkService

/// Query values in Python's literal syntax (karborclient sends `{'a': 1}` and `True`):
/// parsed or refused with a message; what parses is a JSON value that writes back.
@Sendable func fuzzQueryLiteral(_ data: UnsafeRawBufferPointer) {
    guard let input = text(data) else { return }
    _ = Query.decode(Substring(input))
    do {
        let value = try PythonLiteral.parse(input)
        guard (try? JSON.parse(value.serialized())) == value else { violated("a Python literal that does not write back") }
    } catch {
        guard !error.description.isEmpty else { violated("a literal refused without a message") }
    }
}

/// Request bodies: JSON checked against every request schema of the API, as the server
/// does before a handler runs (never a crash; an invalid body gets messages).
@Sendable func fuzzRequestBody(_ data: UnsafeRawBufferPointer) {
    guard let body = try? JSON.parse(bytes: data.bindMemory(to: UInt8.self)) else { return }
    for schema in [RequestSchemas.planCreate, RequestSchemas.planUpdate, RequestSchemas.checkpointCreate,
                   RequestSchemas.checkpointResetState, RequestSchemas.restoreCreate, RequestSchemas.verificationCreate,
                   RequestSchemas.serviceUpdate, RequestSchemas.quotaUpdate, RequestSchemas.quotaClassUpdate,
                   RequestSchemas.triggerCreate, RequestSchemas.triggerUpdate, RequestSchemas.scheduledOperationCreate,
                   RequestSchemas.scheduledOperationUpdate] {
        let result = schema.validate(body)
        guard result.isValid == result.errors.isEmpty, result.errors.allSatisfy({ !$0.description.isEmpty }) else {
            violated("a request schema's result is inconsistent")
        }
    }
}

/// S3's XML answers: any text is read without a crash, and a key written escaped
/// between tags reads back exactly (by code points).
@Sendable func fuzzS3XML(_ data: UnsafeRawBufferPointer) {
    guard let input = text(data) else { return }
    _ = S3XML.values(input, "Key")
    _ = S3XML.unescape(input)
    let answer = "<ListBucketResult><Contents><Key>" + S3XML.escape(input) + "</Key></Contents><IsTruncated>false</IsTruncated></ListBucketResult>"
    let keys = S3XML.values(answer, "Key")
    guard keys.count == 1, keys[0].unicodeScalars.elementsEqual(input.unicodeScalars) else {
        violated("a key does not read back through escape and values: \(input.debugDescription) -> \(keys.map(\.debugDescription))")
    }
}
