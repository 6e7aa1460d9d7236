/// How many of `start, start + step, …` come before `end` (after it, for a negative step), as
/// Python's `len(range(start, end, step))`, for the `range` builtin and `a..b` literals.
///
/// Exact for every Int: two Ints can lie up to 2⁶⁴ − 1 apart, more than Int holds, so the
/// distance is taken as a UInt, which wrapping subtraction gives exactly once the order is known.
func wholeNumberCount(from start: Int, to end: Int, by step: Int) -> UInt {
    guard step > 0 ? end > start : end < start else { return 0 }
    let distance = UInt(bitPattern: step > 0 ? end &- start : start &- end)
    return (distance - 1) / step.magnitude + 1
}
