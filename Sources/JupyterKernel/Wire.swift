import Base
import Crypto
import Foundation

/// Signs and checks messages with HMAC-SHA256 of the connection file's key. An empty key means
/// an empty signature and no checking, as the protocol says.
public struct Signer {
    private let key: SymmetricKey?

    public init(key: String) {
        self.key = key.isEmpty ? nil : SymmetricKey(data: Data(key.utf8))
    }

    /// The lowercase hex HMAC of `frames` (header, parent header, metadata, content as sent).
    public func signature(of frames: [Data]) -> String {
        guard let key else { return "" }
        var hmac = HMAC<SHA256>(key: key)
        for frame in frames { hmac.update(data: frame) }
        return Data(hmac.finalize()).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `signature` (hex, as received) signs `frames`; the comparison takes the same time
    /// however many leading bytes match, so it tells an attacker nothing.
    public func verifies(_ signature: Data, of frames: [Data]) -> Bool {
        guard let key else { return true }
        guard let code = Signer.bytes(ofHex: signature) else { return false }
        var joined = Data()
        for frame in frames { joined.append(frame) }
        return HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: joined, using: key)
    }

    private static func bytes(ofHex hex: Data) -> Data? {
        guard hex.count % 2 == 0 else { return nil }
        var bytes = Data(capacity: hex.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex {
            guard let high = digit(hex[index]), let low = digit(hex[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func digit(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return character - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// The multipart framing: identities, `<IDS|MSG>`, signature, the four JSON frames, then buffers
/// (which no message this kernel handles uses; they are ignored).
public enum Wire {
    public static let delimiter = Data("<IDS|MSG>".utf8)

    /// Why a received message was dropped.
    public enum Rejection: Error, Equatable, CustomStringConvertible {
        case noDelimiter
        case missingFrames(Int)
        case badSignature
        case malformedJSON(String)

        public var description: String {
            switch self {
            case .noDelimiter: return "no <IDS|MSG> delimiter"
            case .missingFrames(let count): return "\(count) frames after the delimiter where signature and four JSON frames were expected"
            case .badSignature: return "invalid signature (is the client using the connection file's key?)"
            case .malformedJSON(let detail): return "malformed JSON: \(detail)"
            }
        }
    }

    public static func frames(of message: Message, signer: Signer) throws -> [Data] {
        let parent: Data = try message.parentHeader.map { try jsonEncoder.encode($0) } ?? Data("{}".utf8)
        let signed = [try jsonEncoder.encode(message.header), parent,
                      try jsonEncoder.encode(message.metadata), try jsonEncoder.encode(message.content)]
        return message.identities + [delimiter, Data(signer.signature(of: signed).utf8)] + signed
    }

    /// The message in `frames`, its signature checked on the frames as received.
    public static func message(from frames: [Data], signer: Signer) throws -> Message {
        guard let split = frames.firstIndex(of: delimiter) else { throw Rejection.noDelimiter }
        let rest = frames[(split + 1)...]
        guard rest.count >= 5 else { throw Rejection.missingFrames(rest.count) }
        let signature = rest[rest.startIndex]
        let signed = Array(rest.dropFirst().prefix(4))
        guard signer.verifies(signature, of: signed) else { throw Rejection.badSignature }
        // A parent header is informational on requests; one that is not a header is ignored.
        let parent = try? JSONDecoder().decode(Header.self, from: signed[1])
        return Message(identities: Array(frames[..<split]), header: try decode(Header.self, signed[0], frame: "header"),
                       parentHeader: parent, metadata: try decode(JSON.self, signed[2], frame: "metadata"),
                       content: try decode(JSON.self, signed[3], frame: "content"))
    }

    /// One JSON frame, rejected with what is wrong in it as run files are (`JSONFile.problem`).
    private static func decode<T: Decodable>(_ type: T.Type, _ data: Data, frame: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw Rejection.malformedJSON("\(frame): \(JSONFile.problem(error, data: data))")
        }
    }
}
