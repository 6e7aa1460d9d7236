import Testing
@testable import Preference

struct PairLogprobsTests {
    @Test func defaultsDescribeAReferenceFreeSingleTokenPair() {
        let pair = PairLogprobs(policyChosen: -1, policyRejected: -2)
        #expect(pair.referenceChosen == 0 && pair.chosenTokens == 1 && pair.promptTokens == 0)
        #expect(PreferenceError("beta", "must be positive").description == "beta: must be positive")
    }
}
