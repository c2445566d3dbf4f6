// fasta (the Computer Language Benchmarks Game): DNA sequences of a million, 1.5 million and
// 2.5 million letters, copied from a pattern and drawn at random (the benchmark's linear
// congruential generator) from weighted alphabets, built into 60-letter lines one letter at a
// time. Each section prints its first and last line and a checksum of the letters instead of every
// line, so the output stays short.
package main

import "fmt"

const alu = "GGCCGGGCGCGGTGGCTCACGCCTGTAATCCCAGCACTTTGGGAGGCCGAGGCGGGCGGATCACCTGAGGTCAGGAGTTCGAGACCAGCCTGGCCAACATGGTGAAACCCCGTCTCTACTAAAAATACAAAAATTAGCCGGGCGTGGTGGCGCGCGCCTGTAATCCCAGCTACTCGGGAGGCTGAGGCAGGAGAATCGCTTGAACCCGGGAGGCGGAGGTTGCAGTGAGCCGAGATCGCGCCACTGCACTCCAGCCTGGGCGACAGAGCGAGACTCCGTCTCAAAAA"

type rng struct{ last int64 }

func (r *rng) next(max float64) float64 {
	r.last = (r.last*3877 + 29573) % 139968
	return max * float64(r.last) / 139968.0
}

func report(header, first, last string, lines, checksum int64) {
	fmt.Println(header)
	fmt.Println(first)
	fmt.Println(last)
	fmt.Printf("%d lines, checksum %d\n", lines, checksum)
}

func repeatFasta(header, pattern string, n int64) {
	letters := []byte(pattern)
	var pos, lines, checksum int64
	left := n
	var first, last string
	line := make([]byte, 0, 60)
	for left > 0 {
		length := left
		if length > 60 {
			length = 60
		}
		line = line[:0]
		for i := int64(0); i < length; i++ {
			line = append(line, letters[pos])
			checksum = (checksum*31 + pos + 1) % 1000000007
			pos++
			if pos == int64(len(letters)) {
				pos = 0
			}
		}
		if lines == 0 {
			first = string(line)
		}
		last = string(line)
		lines++
		left -= length
	}
	report(header, first, last, lines, checksum)
}

func randomFasta(header string, letters []byte, weights []float64, n int64, r *rng) {
	cumulative := make([]float64, 0, len(weights))
	sum := 0.0
	for _, w := range weights {
		sum += w
		cumulative = append(cumulative, sum)
	}
	m := int64(len(letters))
	left := n
	var lines, checksum int64
	var first, last string
	line := make([]byte, 0, 60)
	for left > 0 {
		length := left
		if length > 60 {
			length = 60
		}
		line = line[:0]
		for i := int64(0); i < length; i++ {
			x := r.next(1.0)
			k := int64(0)
			for k < m-1 && x >= cumulative[k] {
				k++
			}
			line = append(line, letters[k])
			checksum = (checksum*31 + k + 1) % 1000000007
		}
		if lines == 0 {
			first = string(line)
		}
		last = string(line)
		lines++
		left -= length
	}
	report(header, first, last, lines, checksum)
}

func main() {
	n := int64(1000000)
	repeatFasta(">ONE Homo sapiens alu", alu, 2*n)
	r := &rng{last: 42}
	randomFasta(">TWO IUB ambiguity codes", []byte("acgtBDHKMNRSVWY"),
		[]float64{0.27, 0.12, 0.12, 0.27, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02}, 3*n, r)
	randomFasta(">THREE Homo sapiens frequency", []byte("acgt"),
		[]float64{0.3029549426680, 0.1979883004921, 0.1975473066391, 0.3015094502008}, 5*n, r)
}
