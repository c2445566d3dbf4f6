// The sieve of Eratosthenes below five million: array writes and reads in tight loops.
package main

import "fmt"

func countPrimes(n int) int64 {
	var composite []bool
	for i := 0; i < n; i++ {
		composite = append(composite, false)
	}
	var count int64
	for i := 2; i < n; i++ {
		if !composite[i] {
			count++
			for j := i * i; j < n; j += i {
				composite[j] = true
			}
		}
	}
	return count
}

func main() {
	fmt.Println(countPrimes(5_000_000))
}
