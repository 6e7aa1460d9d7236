import Testing
import Tensor
@testable import Training

struct ParameterStoreTests {
    @Test func layoutAlignsEachParameterAndGroupsDecay() throws {
        let store = ParameterStore([("w", [3, 5]), ("b", [5]), ("v", [2, 2])])
        #expect(store.entries.map(\.offset) == [0, 16, 32])
        #expect(store.entries.map(\.decays) == [true, false, true])
        #expect(store.parameterCount == 15 + 5 + 4)
        try store.set("b", Tensor([1, 2, 3, 4, 5]))
        #expect(try store.tensor("b").scalars == [1, 2, 3, 4, 5])
        #expect(throws: TrainingError.self) { try store.set("b", Tensor([1, 2])) }
        #expect(throws: TrainingError.self) { try store.tensor("missing") }
    }
}
