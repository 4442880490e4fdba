"""Judging built outputs: every validator this machine has (``validate``, run over a
folder by ``suite``) and the contact sheet of first pages (``proof``).
"""
