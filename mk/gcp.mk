# gcp part: sources, programs and tests
