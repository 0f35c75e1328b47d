# emulator part: sources, programs and tests
