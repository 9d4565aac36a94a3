import Jupyter
import RNN

extension StatementContext {
    /// Statements whose engine lives in modules still being written report so clearly, naming the
    /// statement, rather than doing something approximate.
    mutating func executeExtended(_ statement: Statement) throws {
        let word: String
        switch statement {
        case .backward: return try backward(statement)
        case .train: return try train(statement)
        case .predict: return try predict(statement)
        case .sample: return try sample(statement)
        case .plot: word = "plot"
        case .save: word = "save"
        case .load: word = "load"
        case .runs: word = "runs"
        case .exportLog: word = "export log"
        default: word = "this statement"
        }
        throw Diagnostic(.value, "'\(word)' is not available in this build of rnn-kernel yet", at: statementRange)
    }
}
