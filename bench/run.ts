process.stderr.write("bench/: the data-plane benchmark is not written yet (see bench/README.md)\n");
process.exit(1);
