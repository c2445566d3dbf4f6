module cpubench

go 1.19
