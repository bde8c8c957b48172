import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/http/pagination';
import { CASE_STATUSES, CaseStatus, EXPLOITATION_TYPES, ExploitationType, RISK_LEVELS, RiskLevel } from '../../common/vocabulary';

/** "true"/"false" only: anything else stays a string and fails @IsBoolean with a 400. */
const queryBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class ListCasesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: CASE_STATUSES }) @IsOptional() @IsIn(CASE_STATUSES) status?: CaseStatus;
  @ApiPropertyOptional({ enum: RISK_LEVELS }) @IsOptional() @IsIn(RISK_LEVELS) riskLevel?: RiskLevel;
  @ApiPropertyOptional({ enum: EXPLOITATION_TYPES, description: 'Cases whose exploitation types include this one' })
  @IsOptional()
  @IsIn(EXPLOITATION_TYPES)
  exploitationType?: ExploitationType;
  @ApiPropertyOptional({ type: Boolean, description: 'Only cases assigned to the caller' })
  @IsOptional()
  @Transform(queryBool)
  @IsBoolean()
  assignedToMe?: boolean;
  @ApiPropertyOptional({ type: Boolean }) @IsOptional() @Transform(queryBool) @IsBoolean() dangerFlag?: boolean;
}

export class AccessLogQueryDto extends PageQueryDto {}
