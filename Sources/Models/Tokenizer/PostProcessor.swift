/// tokenizer.json's `post_processor`, as far as ids go: TemplateProcessing adds special tokens
/// (e.g. BOS) around the sequence; ByteLevel changes no ids.
indirect enum PostProcessor {
    case template(single: [TemplatePiece])
    case none
    case sequence([PostProcessor])

    enum TemplatePiece {
        case special([Int])
        case sequence
    }

    init(json: Any?, file: String) throws {
        guard let json = json as? [String: Any] else {
            self = .none
            return
        }
        let type = json["type"] as? String ?? ""
        switch type {
        case "ByteLevel":
            self = .none
        case "TemplateProcessing":
            let specials = json["special_tokens"] as? [String: Any] ?? [:]
            let pieces: [TemplatePiece] = try ((json["single"] as? [Any]) ?? []).map { item in
                let map = item as? [String: Any] ?? [:]
                if let special = map["SpecialToken"] as? [String: Any], let name = special["id"] as? String {
                    guard let entry = specials[name] as? [String: Any], let ids = entry["ids"] as? [NSNumber] else {
                        throw ModelError(file: file, "post_processor template uses '\(name)', which special_tokens does not define")
                    }
                    return .special(ids.map(\.intValue))
                }
                guard map["Sequence"] != nil else { throw ModelError(file: file, "post_processor template has an unknown piece") }
                return .sequence
            }
            self = .template(single: pieces)
        case "Sequence":
            self = .sequence(try ((json["processors"] as? [Any]) ?? []).map { try PostProcessor(json: $0, file: file) })
        default:
            throw ModelError(file: file, "post_processor '\(type)' is not supported")
        }
    }

    func apply(_ ids: [Int]) -> [Int] {
        switch self {
        case .none: return ids
        case .template(let pieces):
            return pieces.flatMap { piece -> [Int] in
                switch piece {
                case .special(let special): return special
                case .sequence: return ids
                }
            }
        case .sequence(let steps): return steps.reduce(ids) { $1.apply($0) }
        }
    }
}

import Foundation
