import Tensor

/// Keys and values of the positions a model has already seen, per layer, so generation feeds
/// only the new token each step instead of the whole sequence.
public final class KVCache {
    /// [B, kv heads, positions, head_dim] per layer.
    private var keys: [Tensor?]
    private var values: [Tensor?]
    /// Positions held.
    public internal(set) var length = 0

    public init(layers: Int) {
        keys = Array(repeating: nil, count: layers)
        values = Array(repeating: nil, count: layers)
    }

    /// The layer's keys and values with this step's appended along the position axis.
    func append(layer: Int, keys newKeys: Tensor, values newValues: Tensor) throws -> (Tensor, Tensor) {
        let k = try keys[layer].map { try Tensor.concat([$0, newKeys], axis: 2) } ?? newKeys
        let v = try values[layer].map { try Tensor.concat([$0, newValues], axis: 2) } ?? newValues
        keys[layer] = k
        values[layer] = v
        return (k, v)
    }
}
