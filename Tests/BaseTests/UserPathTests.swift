import Testing
@testable import Base

@Suite struct UserPathTests {
    @Test func aLeadingTildeIsTheHomeFolder() {
        #expect(UserPath.expanded("~", home: "/home/r") == "/home/r")
        #expect(UserPath.expanded("~/models/m.gguf", home: "/home/r") == "/home/r/models/m.gguf")
    }

    @Test func otherPathsAreUnchanged() {
        for path in ["/data/~/x", "models/~x", "~other/x", "", "a~"] {
            #expect(UserPath.expanded(path, home: "/home/r") == path)
        }
    }
}
