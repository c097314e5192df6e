/// How a client checks the server and proves who it is. Verification is on unless
/// `insecureSkipVerify` is set, by name, by the user.
public struct TLSOptions: Sendable {
    /// A CA bundle file (PEM).
    public var caFile: String?
    /// CA certificates as PEM text (kubeconfig's certificate-authority-data, decoded).
    public var caPEM: String?
    /// Client certificate and key, as files or PEM text.
    public var certificateFile: String?
    public var keyFile: String?
    public var certificatePEM: String?
    public var keyPEM: String?
    /// Do not verify the server's certificate or name. Only when the user asks for it.
    public var insecureSkipVerify = false

    public init(caFile: String? = nil, caPEM: String? = nil, certificateFile: String? = nil, keyFile: String? = nil,
                certificatePEM: String? = nil, keyPEM: String? = nil, insecureSkipVerify: Bool = false) {
        self.caFile = caFile
        self.caPEM = caPEM
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.certificatePEM = certificatePEM
        self.keyPEM = keyPEM
        self.insecureSkipVerify = insecureSkipVerify
    }
}

/// When and how often to try again.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included.
    public var attempts = 4
    /// The first back-off; doubled each time, with jitter, capped at `maxDelay`.
    public var initialDelay = 0.2
    public var maxDelay = 10.0
    /// Longest Retry-After honoured.
    public var maxRetryAfter = 60.0

    public init(attempts: Int = 4, initialDelay: Double = 0.2, maxDelay: Double = 10, maxRetryAfter: Double = 60) {
        self.attempts = attempts
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    public static let none = RetryPolicy(attempts: 1)
}
