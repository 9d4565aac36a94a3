print("rnn-kernel")
