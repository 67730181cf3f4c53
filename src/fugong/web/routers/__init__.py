"""Thin routers: parse, call one app function, render."""
