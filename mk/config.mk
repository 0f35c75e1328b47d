# config part: sources, programs and tests
