"""Volunteer service (志愿服务): reports with their photos and teammates, the branch's categories, the album
buffer, their review, and the totals of approved hours.

reports.py keeps what members report (create with a fingerprint against double submits, edit and
withdraw before review, the day's 24 hours); categories.py the kinds of service a branch reports;
albums.py the photos of an album, which arrive as one update each, until they join the report being
written. reviews.py keeps the decisions on them, totals.py the approved hours (only approved hours count anywhere).
"""
