import Base
import Testing

@Suite struct EpochSamplerTests {
    @Test func eachEpochIsAPermutationFixedBySeedAndEpoch() {
        let first = EpochSampler.permutation(count: 50, seed: 7, epoch: 0)
        #expect(first.sorted() == Array(0..<50))
        #expect(first == EpochSampler.permutation(count: 50, seed: 7, epoch: 0))
        #expect(first != EpochSampler.permutation(count: 50, seed: 7, epoch: 1))
        #expect(first != EpochSampler.permutation(count: 50, seed: 8, epoch: 0))
    }

    @Test func batchesRunOnIntoTheNextEpochAndARestoredPositionRepeatsThem() throws {
        var sampler = EpochSampler(count: 5, seed: 3)
        let firstBatch = sampler.next(3)
        let position = sampler.position
        let straddling = sampler.next(3)
        #expect(position == DataPosition(epoch: 0, index: 3))
        #expect(sampler.position == DataPosition(epoch: 1, index: 1))
        #expect(Array(straddling.prefix(2)) == Array(EpochSampler.permutation(count: 5, seed: 3, epoch: 0).suffix(2)))
        #expect(straddling[2] == EpochSampler.permutation(count: 5, seed: 3, epoch: 1)[0])
        #expect(Set(firstBatch + straddling.prefix(2)) == Set(0..<5))
        var resumed = EpochSampler(count: 5, seed: 3)
        try resumed.restore(position, items: "pairs")
        #expect(resumed.next(3) == straddling)
        #expect(resumed.epochsCompleted == 1.2)
    }

    @Test func aPositionOutsideTheDataIsRefused() {
        var sampler = EpochSampler(count: 4, seed: 0)
        #expect(throws: PlaceError("data position", "index 4 is outside this data's 4 pairs")) {
            try sampler.restore(DataPosition(epoch: 0, index: 4), items: "pairs")
        }
        #expect(throws: PlaceError("data position", "epoch -1 is negative")) {
            try sampler.restore(DataPosition(epoch: -1, index: 0), items: "pairs")
        }
    }
}
