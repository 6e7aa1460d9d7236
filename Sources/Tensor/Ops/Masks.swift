extension Tensor {
    /// The additive attention mask for `size` positions: [size, size], 0 where a query may see a
    /// key (key ≤ query) and −∞ above the diagonal. Add it to attention scores before softmax.
    public static func causalMask(_ size: Int) throws -> Tensor {
        try causalMask(queries: size, keys: size)
    }

    /// The additive causal mask when the last `queries` positions attend over `keys` positions
    /// (generation with a KV cache): query i sees key j when j ≤ i + keys − queries. [queries, keys].
    public static func causalMask(queries: Int, keys: Int) throws -> Tensor {
        guard queries >= 0, keys >= queries else {
            throw TensorError(op: "causal_mask", "needs 0 ≤ queries ≤ keys, got queries \(queries) and keys \(keys)")
        }
        let mask = try empty([queries, keys], op: "causal_mask")
        let p = mask.base
        for i in 0..<queries {
            let visible = i + keys - queries
            for j in 0..<keys { p[i * keys + j] = j <= visible ? 0 : -.infinity }
        }
        return mask
    }
}
