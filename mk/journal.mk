# journal part: sources, programs and tests
