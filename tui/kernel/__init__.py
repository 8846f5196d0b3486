"""The only code that touches the kernel, /proc or psutil."""
