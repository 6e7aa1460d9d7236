import Foundation

/// The header every message carries. The kernel's own headers share one `session` per process,
/// which clients compare to tell this kernel's messages from a previous one's.
public struct Header: Codable, Equatable, Sendable {
    public var msgID: String
    public var msgType: String
    public var session: String
    public var username: String
    public var date: String
    public var version: String

    enum CodingKeys: String, CodingKey {
        case msgID = "msg_id", msgType = "msg_type", session, username, date, version
    }

    /// The protocol version claimed in headers and kernel_info: 5.3 has everything this kernel
    /// does (signal interrupts, code-point cursor offsets), and clients compare only the major number.
    public static let protocolVersion = "5.3"

    public init(msgType: String, session: String) {
        msgID = UUID().uuidString.lowercased()
        self.msgType = msgType
        self.session = session
        username = "preflab"
        date = Header.now()
        version = Header.protocolVersion
    }

    /// Clients always send msg_id and msg_type; the other fields are copied back as sent, or empty.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        msgID = try container.decode(String.self, forKey: .msgID)
        msgType = try container.decode(String.self, forKey: .msgType)
        session = try container.decodeIfPresent(String.self, forKey: .session) ?? ""
        username = try container.decodeIfPresent(String.self, forKey: .username) ?? ""
        date = try container.decodeIfPresent(String.self, forKey: .date) ?? ""
        version = try container.decodeIfPresent(String.self, forKey: .version) ?? ""
    }

    /// ISO 8601 in UTC with milliseconds (`2026-12-06T11:27:06.956Z`): jupyter_client reads 0–6
    /// fractional digits and needs the zone.
    static func now() -> String {
        Date().formatted(timestampStyle)
    }

    private static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}

/// One Jupyter message: the routing identities it came with (a reply goes back with the same),
/// then header, parent header (nil when nothing caused it, sent as `{}`), metadata and content.
public struct Message: Sendable {
    public var identities: [Data]
    public var header: Header
    public var parentHeader: Header?
    public var metadata: JSON
    public var content: JSON

    public init(identities: [Data] = [], header: Header, parentHeader: Header?, metadata: JSON = [:], content: JSON) {
        self.identities = identities
        self.header = header
        self.parentHeader = parentHeader
        self.metadata = metadata
        self.content = content
    }

    /// The reply or output of type `msgType` caused by this message, routed back to its sender.
    public func reply(_ msgType: String, session: String, content: JSON) -> Message {
        Message(identities: identities, header: Header(msgType: msgType, session: session), parentHeader: header, content: content)
    }
}
