import Tensor

extension Builtins {
    static let tensorShape: [Builtin] = [
        Builtin("shape(x)", topic: "shape", doc: "The extents of a tensor as a list; the same as x.shape.", example: "shape(zeros([2, 3]))") { a in
            .list(try a.tensor("x").shape.map { .number(Double($0)) })
        },
        Builtin("numel(x)", topic: "shape", doc: "The number of elements.", example: "numel(zeros([2, 3]))") { a in
            .number(Double(try a.tensor("x").count))
        },
        Builtin("reshape(x, shape)", topic: "shape", doc: "The same elements with a new shape; one extent may be -1 to infer it.",
                example: "reshape(arange(6), [2, -1])") { a in .tensor(try a.tensor("x").reshaped(try a.shape("shape"))) },
        Builtin("flatten(x)", topic: "shape", doc: "All elements along one axis.", example: "flatten(eye(2))") { a in .tensor(try a.tensor("x").flattened()) },
        Builtin("transpose(x, a = -2, b = -1)", topic: "shape",
                doc: "Axes a and b swapped (the last two by default) as a view; a 0-D or 1-D tensor is returned as is. x.T is the same.",
                example: "transpose(tensor([[1, 2, 3]]))") { a in
            let t = try a.tensor("x")
            return .tensor(t.rank < 2 ? t : try t.transposed(try a.int("a"), try a.int("b")))
        },
        Builtin("permute(x, order)", topic: "shape", doc: "Axes reordered: axis i of the result is axis order[i] of x.",
                example: "shape(permute(zeros([2, 3, 4]), [2, 0, 1]))") { a in .tensor(try a.tensor("x").permuted(try a.shape("order"))) },
        Builtin("squeeze(x, axis = nil)", topic: "shape", doc: "Drops an axis of extent 1 (every such axis when axis is omitted).",
                example: "shape(squeeze(zeros([1, 3, 1])))") { a in .tensor(try a.tensor("x").squeezed(axis: try a.optionalInt("axis"))) },
        Builtin("unsqueeze(x, axis)", topic: "shape", doc: "Inserts an axis of extent 1 at axis.", example: "shape(unsqueeze(zeros([3]), 0))") { a in
            .tensor(try a.tensor("x").unsqueezed(axis: try a.int("axis")))
        },
        Builtin("expand(x, shape)", topic: "shape", doc: "Repeats extent-1 axes to shape without copying (broadcasting as a view).",
                example: "expand(tensor([[1], [2]]), [2, 3])") { a in .tensor(try a.tensor("x").expanded(to: try a.shape("shape"))) },
        Builtin("concat(tensors, axis = 0)", topic: "shape", doc: "The tensors of a list joined along an existing axis.",
                example: "concat([ones([1, 2]), zeros([1, 2])])") { a in
            .tensor(try Tensor.concat(try tensorList(a, "tensors"), axis: try a.int("axis")))
        },
        Builtin("stack(tensors, axis = 0)", topic: "shape", doc: "Tensors of one shape joined along a new axis.", example: "stack([ones([2]), zeros([2])], axis: 1)") { a in
            .tensor(try Tensor.stack(try tensorList(a, "tensors"), axis: try a.int("axis")))
        },
        Builtin("item(x)", topic: "shape", doc: "The single element of a one-element tensor, as a number.", example: "item(sum(ones([3])))") { a in
            .number(Double(try a.tensor("x").item()))
        },
        Builtin("tolist(x)", topic: "shape", doc: "A tensor's elements as (nested) lists of numbers.", example: "tolist(eye(2))") { a in
            let t = try a.tensor("x")
            // Every element and every nested list becomes a value. Their total is bounded as a
            // list's length is, so that a tensor of millions of empty rows cannot exhaust memory.
            var made = t.count, lists = 1
            for extent in t.shape where made <= maximumCollectionCount {
                made += lists
                lists *= extent
            }
            guard made <= maximumCollectionCount else {
                throw BuiltinError("a tensor of shape \(t.shape) gives more than \(maximumCollectionCount) numbers and lists")
            }
            let values = t.scalars
            func nest(_ axis: Int, _ offset: Int) -> Value {
                guard axis < t.rank else { return .number(Double(values[offset])) }
                let stride = t.shape[(axis + 1)...].reduce(1, *)
                return .list((0..<t.shape[axis]).map { nest(axis + 1, offset + $0 * stride) })
            }
            return nest(0, 0)
        },
    ]

    static let tensorIndexing: [Builtin] = [
        Builtin("index_select(x, axis, indices)", topic: "indexing", doc: "The slices of x at the given indices along axis, in that order.",
                example: "index_select(tensor([[1, 2], [3, 4], [5, 6]]), 0, [2, 0])") { a in
            .tensor(try a.tensor("x").indexSelect(axis: try a.int("axis"), indices: try a.tensor("indices")))
        },
        Builtin("gather(x, axis, indices)", topic: "indexing", doc: "torch.gather: picks x's elements along axis at the positions in indices, which has x's rank.",
                example: "gather(tensor([[1, 2], [3, 4]]), 1, [[1], [0]])") { a in
            .tensor(try a.tensor("x").gather(axis: try a.int("axis"), indices: try a.tensor("indices")))
        },
        Builtin("scatter_add(x, axis, indices, source)", topic: "indexing",
                doc: "torch.scatter_add, out of place: x with source's elements added at the positions in indices along axis.",
                example: "scatter_add(zeros([3]), 0, [0, 0, 2], [1, 2, 3])") { a in
            .tensor(try a.tensor("x").scatterAdd(axis: try a.int("axis"), indices: try a.tensor("indices"), source: try a.tensor("source")))
        },
        Builtin("embedding(weight, ids)", topic: "indexing", doc: "Rows of weight [vocab, dim] for token ids of any shape: the result has shape ids.shape + [dim].",
                example: "embedding(eye(3), [2, 0])") { a in
            .tensor(try Tensor.embedding(try a.tensor("weight"), ids: try a.tensor("ids")))
        },
    ]

    private static func tensorList(_ a: Arguments, _ name: String) throws -> [Tensor] {
        try a.list(name).map { item in
            do { return try item.asTensor() } catch { throw BuiltinError("expects a list of tensors, found a \(item.typeName)") }
        }
    }
}
