/// The text of the error `body` throws, or "no error".
func errorText(_ body: () throws -> Any) -> String {
    do {
        _ = try body()
        return "no error"
    } catch {
        return "\(error)"
    }
}
