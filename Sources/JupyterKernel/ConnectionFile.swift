import Foundation

/// The connection file a Jupyter client writes before starting the kernel: where to bind each
/// socket and the key that signs messages. Keys this kernel does not use are ignored.
public struct ConnectionFile: Codable, Equatable, Sendable {
    public var transport: String
    public var ip: String
    public var shellPort: Int
    public var iopubPort: Int
    public var stdinPort: Int
    public var controlPort: Int
    public var hbPort: Int
    public var key: String
    public var signatureScheme: String

    enum CodingKeys: String, CodingKey {
        case transport, ip, key
        case shellPort = "shell_port", iopubPort = "iopub_port", stdinPort = "stdin_port"
        case controlPort = "control_port", hbPort = "hb_port", signatureScheme = "signature_scheme"
    }

    /// The only scheme clients use in practice, and the only one this kernel signs with.
    public static let supportedScheme = "hmac-sha256"

    public init(data: Data) throws {
        do {
            self = try JSONDecoder().decode(ConnectionFile.self, from: data)
        } catch let error as DecodingError {
            throw KernelError("not a Jupyter connection file: \(error.shortDescription)")
        }
        guard transport == "tcp" || transport == "ipc" else {
            throw KernelError("the connection file's transport is \"\(transport)\"; the kernel speaks tcp and ipc")
        }
        guard signatureScheme == ConnectionFile.supportedScheme else {
            throw KernelError("the connection file's signature_scheme is \"\(signatureScheme)\"; the kernel signs with \(ConnectionFile.supportedScheme)")
        }
    }

    public static func read(_ path: String) throws -> ConnectionFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KernelError("cannot read the connection file \(path); Jupyter writes it and passes its path as {connection_file}")
        }
        do {
            return try ConnectionFile(data: data)
        } catch {
            throw KernelError("\(path): \(error)")
        }
    }

    /// The address a socket binds for `port`: tcp://ip:port, or for ipc the file ip-port.
    public func endpoint(_ port: Int) -> String {
        transport == "ipc" ? "ipc://\(ip)-\(port)" : "tcp://\(ip):\(port)"
    }
}

/// Why the kernel cannot start or go on; the message says what is wrong and what to do.
public struct KernelError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension DecodingError {
    /// Which key is missing or of the wrong type, without Swift's coding-path dump.
    var shortDescription: String {
        switch self {
        case .keyNotFound(let key, _): return "the key \"\(key.stringValue)\" is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "\"\(path)\" has the wrong type"
        case .dataCorrupted(let context): return context.underlyingError.map { "\($0.localizedDescription)" } ?? "not valid JSON"
        @unknown default: return "\(self)"
        }
    }
}
