/// Additive attention masks: 0 where attention is allowed, −∞ where it is not, so that adding the
/// mask to the scores before softmax gives the hidden positions exactly zero weight.
extension Tensor {
    /// The causal mask for self-attention over `size` positions: [size, size], with 0 on and
    /// below the diagonal (key j ≤ query i) and −∞ above it, so no position sees a later one.
    ///
    ///     causalMask(3) = [[0, −∞, −∞],
    ///                      [0,  0, −∞],
    ///                      [0,  0,  0]]
    ///
    /// Add it to scores [..., size, size]; it broadcasts over the leading (batch, head) axes.
    /// `size` must be non-negative.
    public static func causalMask(_ size: Int) throws -> Tensor {
        guard size >= 0 else { throw TensorError(op: "causal_mask", "size must be non-negative, got \(size)") }
        return try causalMask(queries: size, keys: size)
    }

    /// The causal mask [queries, keys] when the queries are the last `queries` of `keys`
    /// positions, as in generation with a KV cache: the cache holds `keys − queries` earlier
    /// positions and the last query lines up with the last key. Query i sees key j when
    /// j ≤ i + keys − queries.
    ///
    ///     causalMask(queries: 2, keys: 4) = [[0, 0, 0, −∞],
    ///                                        [0, 0, 0,  0]]
    ///
    /// `queries == keys` is the square mask; one new token (`queries == 1`) sees every key.
    /// Needs 0 ≤ queries ≤ keys: with more queries than keys the first rows would see no key at
    /// all, and softmax over a row of −∞ is NaN.
    public static func causalMask(queries: Int, keys: Int) throws -> Tensor {
        guard queries >= 0, keys >= queries else {
            throw TensorError(op: "causal_mask", "needs 0 ≤ queries ≤ keys, got queries \(queries) and keys \(keys) (shape [\(queries), \(keys)])")
        }
        let mask = try empty([queries, keys], op: "causal_mask")
        let p = mask.base
        for i in 0..<queries {
            // Row i is 0 for keys 0...visible and −∞ after; visible < keys because i < queries.
            let visible = i + keys - queries
            let row = p + i * keys
            row.update(repeating: 0, count: visible + 1)
            (row + visible + 1).update(repeating: -.infinity, count: keys - visible - 1)
        }
        return mask
    }
}
