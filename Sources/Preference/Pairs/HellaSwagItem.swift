import Base

/// One HellaSwag sentence completion as a JSON line holds it. The pair builder and the
/// multiple-choice evaluation both read items through this type, so they accept the same files.
///
/// Fields: `ctx`, or `ctx_a` and `ctx_b`, an optional `activity_label`, `endings` (at least two
/// strings) and `label` (the right ending's index, as a number or a string). Hugging Face's
/// `Rowan/hellaswag` rows carry all three context fields, `ctx` being `ctx_a + " " + ctx_b`.
struct HellaSwagItem {
    let activityLabel: String
    /// `ctx_a` and `ctx_b` when the line has `ctx_a`; otherwise `ctx` and nil.
    let contextA: String
    let contextB: String?
    /// `ctx` when present, else `ctx_a` and `ctx_b` joined with a space.
    let context: String
    let endings: [String]
    /// The right ending's position in `endings`.
    let gold: Int

    init(_ line: JSONLine) throws {
        guard line.has("ctx") || line.has("ctx_a") else { throw PreferenceError(line.place, "has no 'ctx' (or 'ctx_a' and 'ctx_b') field") }
        if line.has("ctx_a") {
            contextA = try line.string("ctx_a")
            contextB = line.has("ctx_b") ? try line.string("ctx_b") : ""
        } else {
            contextA = try line.string("ctx")
            contextB = nil
        }
        if line.has("ctx") {
            context = try line.string("ctx")
        } else {
            let b = contextB ?? ""
            context = b.isEmpty ? contextA : contextA + " " + b
        }
        activityLabel = line.has("activity_label") ? try line.string("activity_label") : ""
        endings = try line.strings("endings")
        guard endings.count >= 2 else { throw PreferenceError(line.place, "has \(endings.count) ending(s); at least 2 are needed") }
        let label = try line.label("label")
        guard let right = Int(label), endings.indices.contains(right) else {
            let why = label.isEmpty ? "is empty (HellaSwag's test split has no labels)" : "'\(label)' is not an ending index 0…\(endings.count - 1)"
            throw PreferenceError(line.place, "label \(why)")
        }
        gold = right
    }
}
