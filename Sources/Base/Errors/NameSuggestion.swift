/// "; did you mean 'pref_train'?" when one of `candidates` is close enough to `name` to be the
/// intended one, else "": the one wording of every unknown-name error (variables, functions,
/// keyword arguments, record fields, options, losses, help topics).
public func didYouMean(_ name: String, in candidates: [String]) -> String {
    nearest(to: name, in: candidates).map { "; did you mean '\($0)'?" } ?? ""
}

/// The candidate closest to `name`, when it is close enough to be a likely typo: at most one
/// edit (an insertion, deletion, substitution or swap of neighbours) per six characters of the
/// two names together, as Python's "did you mean" allows, so `lamda` finds `lambda` and
/// `pref_trian` finds `pref_train` while a one-letter `y` suggests no `x`. Of equally near
/// candidates the one sharing the longer beginning wins (`eoss` is `eos`, not `loss`).
public func nearest(to name: String, in candidates: [String]) -> String? {
    let typed = Array(name)
    let scored = candidates.filter { $0 != name }.map { candidate in
        (name: candidate, distance: editDistance(typed, Array(candidate)), shared: zip(typed, candidate).prefix { $0 == $1 }.count)
    }.filter { $0.distance <= (typed.count + $0.name.count + 3) / 6 }
    return scored.min { ($0.distance, -$0.shared) < ($1.distance, -$1.shared) }?.name
}

/// Edits from `a` to `b`, a swap of two neighbouring characters counting as one (optimal string
/// alignment distance).
private func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var rows = [Array(0...b.count)]
    for i in 1...a.count {
        var row = [i] + [Int](repeating: 0, count: b.count)
        for j in 1...b.count {
            row[j] = Swift.min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                row[j] = Swift.min(row[j], rows[i - 2][j - 2] + 1)
            }
        }
        rows.append(row)
    }
    return rows[a.count][b.count]
}
