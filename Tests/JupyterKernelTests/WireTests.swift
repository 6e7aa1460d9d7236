import Foundation
import Testing
@testable import JupyterKernel

@Suite struct WireTests {
    let signer = Signer(key: "a0436f6c-1916-498b-8eb9-e81ab9368e84")

    @Test func signatureIsTheLowercaseHexHMACOfTheFourFrames() {
        // Python: hmac.new(b"key", b"abcd", hashlib.sha256).hexdigest()
        let signature = Signer(key: "key").signature(of: [Data("a".utf8), Data("b".utf8), Data("c".utf8), Data("d".utf8)])
        #expect(signature == "2a31ec0ee8d878c9eece9fb0df79b3b90b2256240163aa5ee50d176d3d1121f8")
    }

    @Test func aMessageSurvivesFramingWithItsIdentities() throws {
        let header = Header(msgType: "execute_request", session: "s")
        let message = Message(identities: [Data([1, 2, 3])], header: header, parentHeader: nil,
                              content: ["code": "1 + 2", "silent": false])
        let frames = try Wire.frames(of: message, signer: signer)
        #expect(frames[0] == Data([1, 2, 3]))
        #expect(frames[1] == Wire.delimiter)
        #expect(frames[4] == Data("{}".utf8))
        let decoded = try Wire.message(from: frames, signer: signer)
        #expect(decoded.identities == [Data([1, 2, 3])])
        #expect(decoded.header == header)
        #expect(decoded.parentHeader == nil)
        #expect(decoded.content["code"]?.string == "1 + 2")
    }

    @Test func aReplyNamesItsRequestAsParentAndGoesBackToItsSender() {
        let request = Message(identities: [Data("client".utf8)], header: Header(msgType: "kernel_info_request", session: "c"),
                              parentHeader: nil, content: [:])
        let reply = request.reply("kernel_info_reply", session: "k", content: ["status": "ok"])
        #expect(reply.identities == request.identities)
        #expect(reply.parentHeader == request.header)
        #expect(reply.header.session == "k")
        #expect(reply.header.msgID != request.header.msgID)
    }

    @Test func aTamperedOrWronglyKeyedMessageIsRejected() throws {
        let message = Message(header: Header(msgType: "execute_request", session: "s"), parentHeader: nil, content: ["code": "1"])
        var frames = try Wire.frames(of: message, signer: signer)
        #expect(throws: Wire.Rejection.badSignature) { try Wire.message(from: frames, signer: Signer(key: "other")) }
        frames[5] = Data(#"{"code": "2"}"#.utf8)
        #expect(throws: Wire.Rejection.badSignature) { try Wire.message(from: frames, signer: signer) }
        frames[1] = Data("not hex".utf8)
        #expect(throws: Wire.Rejection.badSignature) { try Wire.message(from: frames, signer: signer) }
    }

    @Test func anEmptyKeySignsWithAnEmptySignatureAndChecksNothing() throws {
        let open = Signer(key: "")
        let frames = try Wire.frames(of: Message(header: Header(msgType: "status", session: "s"), parentHeader: nil, content: [:]), signer: open)
        #expect(frames[1].isEmpty)
        #expect(try Wire.message(from: frames, signer: open).header.msgType == "status")
    }

    @Test func malformedFramesAreRejectedWithTheReason() throws {
        #expect(throws: Wire.Rejection.noDelimiter) { try Wire.message(from: [Data("x".utf8)], signer: signer) }
        #expect(throws: Wire.Rejection.missingFrames(2)) {
            try Wire.message(from: [Wire.delimiter, Data(), Data("{}".utf8)], signer: signer)
        }
        let bad = [Data("{".utf8), Data("{}".utf8), Data("{}".utf8), Data("{}".utf8)]
        let frames = [Wire.delimiter, Data(signer.signature(of: bad).utf8)] + bad
        #expect {
            try Wire.message(from: frames, signer: signer)
        } throws: { error in
            if case Wire.Rejection.malformedJSON = error { return true }
            return false
        }
    }

    @Test func wholeNumbersStayWholeAndSlashesStayUnescaped() throws {
        let text = String(decoding: try jsonEncoder.encode(JSON.object(["n": 1, "mime": "image/svg+xml"])), as: UTF8.self)
        #expect(text == #"{"mime":"image/svg+xml","n":1}"#)
    }

    @Test func headerDatesCarryMillisecondsAndTheUTCZone() {
        let date = Header(msgType: "status", session: "s").date
        #expect(date.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression) != nil)
    }
}

@Suite struct ConnectionFileTests {
    @Test func readsWhatJupyterClientWritesAndIgnoresOtherKeys() throws {
        let text = """
            {"shell_port": 39941, "iopub_port": 53995, "stdin_port": 39041, "control_port": 60909, "hb_port": 40677,
             "ip": "127.0.0.1", "key": "k", "transport": "tcp", "signature_scheme": "hmac-sha256", "kernel_name": "preflab"}
            """
        let connection = try ConnectionFile(data: Data(text.utf8))
        #expect(connection.shellPort == 39941 && connection.hbPort == 40677 && connection.key == "k")
        #expect(connection.endpoint(connection.iopubPort) == "tcp://127.0.0.1:53995")
    }

    @Test func ipcEndpointsAreFilesNamedByPort() throws {
        let text = """
            {"shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 5,
             "ip": "/tmp/k", "key": "", "transport": "ipc", "signature_scheme": "hmac-sha256"}
            """
        #expect(try ConnectionFile(data: Data(text.utf8)).endpoint(2) == "ipc:///tmp/k-2")
    }

    @Test func aMissingKeyOrOtherSchemeSaysWhatIsWrong() {
        #expect {
            try ConnectionFile(data: Data(#"""
                {"iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 5,
                 "ip": "127.0.0.1", "key": "k", "transport": "tcp", "signature_scheme": "hmac-sha256"}
                """#.utf8))
        } throws: { error in
            "\(error)" == "the connection file: shell_port: missing"
        }
        let md5 = """
            {"shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 5,
             "ip": "127.0.0.1", "key": "k", "transport": "tcp", "signature_scheme": "hmac-md5"}
            """
        #expect {
            try ConnectionFile(data: Data(md5.utf8))
        } throws: { error in
            "\(error)".contains("hmac-md5")
        }
    }
}
