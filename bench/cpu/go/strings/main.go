// String building: a million numbers appended to one string, each followed by a comma.
package main

import (
	"fmt"
	"strconv"
	"strings"
)

func main() {
	var b strings.Builder
	for i := int64(0); i < 1_000_000; i++ {
		b.WriteString(strconv.FormatInt(i, 10))
		b.WriteString(",")
	}
	fmt.Println(len(b.String()))
}
